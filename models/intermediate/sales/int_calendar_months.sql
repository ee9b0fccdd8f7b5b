-- One row per calendar month from the first to the last month with an invoice.
with

invoice_lines as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

bounds as (

    select
        trunc(min(invoice_date), 'MM') as first_month,
        trunc(max(invoice_date), 'MM') as last_month
    from invoice_lines

),

final as (

    select
        months.calendar_month,
        last_day(months.calendar_month) as month_end,
        year(months.calendar_month) as calendar_year,
        month(months.calendar_month) as month_of_year
    from bounds
        lateral view explode(sequence(bounds.first_month, bounds.last_month, interval 1 month))
        months as calendar_month

)

select * from final
