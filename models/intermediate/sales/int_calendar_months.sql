-- One row per calendar month from the first to the last month with an invoice, with how
-- much of it the data covers: the one place where a partial month is defined.
with

invoice_lines as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

bounds as (

    select
        min(invoice_date) as first_date,
        max(invoice_date) as last_date
    from invoice_lines

),

months as (

    select
        months.calendar_month,
        last_day(months.calendar_month) as month_end,
        bounds.first_date,
        bounds.last_date
    from bounds
        lateral view explode(
            sequence(
                trunc(bounds.first_date, 'MM'), trunc(bounds.last_date, 'MM'), interval 1 month
            )
        ) months as calendar_month

),

final as (

    select
        calendar_month,
        month_end,
        year(calendar_month) as calendar_year,
        month(calendar_month) as month_of_year,
        greatest(calendar_month, first_date) as data_start_date,
        least(month_end, last_date) as data_end_date,
        day(month_end) as days_in_month,
        datediff(least(month_end, last_date), greatest(calendar_month, first_date)) + 1
            as days_in_data,
        first_date <= calendar_month and last_date >= month_end as is_complete_month,
        calendar_month = trunc(first_date, 'MM') as is_first_month
    from months

)

select * from final
