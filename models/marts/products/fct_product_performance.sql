-- One row per goods stock code over the whole period: revenue rank, ABC class, return
-- rate, trend (last `trend_months` complete months vs the span before) and a seasonality
-- index per calendar month.
{%- set n = var('trend_months') | int %}
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

daily as (

    select * from {{ ref('int_product_sales_daily') }}

),

months as (

    select * from {{ ref('int_calendar_months') }}

),

-- the last month the data covers to its final day (the UCI data stops on 9 December)
data_end as (

    select max(sales_date) as last_date
    from daily

),

last_complete as (

    select max(months.calendar_month) as last_month
    from months
    cross join data_end
    where months.month_end <= data_end.last_date

),

daily_in_window as (

    select
        daily.*,
        last_complete.last_month
    from daily
    cross join last_complete

),

month_counts as (

    select
        count(*) as months_in_data,
    {%- for m in range(1, 13) %}
        count_if(month_of_year = {{ m }}) as occurrences_m{{ '%02d' % m }}{{ ',' if not loop.last }}
    {%- endfor %}
    from months

),

totals as (

    select
        stock_code,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        sum(net_revenue) as net_revenue,
        min(sales_date) as first_sales_date,
        max(sales_date) as last_sales_date,
        {%- for m in range(1, 13) %}
            sum(case when month(sales_month) = {{ m }} then units_sold else 0 end)
                as units_m{{ '%02d' % m }},
        {%- endfor %}
        sum(
            case
                when
                    sales_month between add_months(last_month, {{ 1 - n }})
                    and last_month
                    then net_revenue
                else 0
            end
        ) as net_revenue_recent,
        sum(
            case
                when
                    sales_month between add_months(last_month, {{ 1 - 2 * n }})
                    and add_months(last_month, {{ -n }})
                    then net_revenue
                else 0
            end
        ) as net_revenue_previous
    from daily_in_window
    group by 1

),

customers as (

    select
        stock_code,
        count(distinct case when line_type = 'sale' then invoice_id end) as orders,
        count(distinct case when line_type = 'sale' then customer_id end) as customers
    from lines
    where is_goods_movement
    group by 1

),

ranked as (

    select
        totals.*,
        customers.orders,
        customers.customers,
        rank() over (order by totals.net_revenue desc) as net_revenue_rank,
        coalesce(
            sum(greatest(totals.net_revenue, 0)) over (
                order by totals.net_revenue desc, totals.stock_code asc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) / sum(greatest(totals.net_revenue, 0)) over () as cumulative_share_before
    from totals
    inner join customers
        on totals.stock_code = customers.stock_code

),

final as (

    select
        ranked.stock_code,
        ranked.units_sold,
        ranked.units_returned,
        ranked.gross_sales,
        ranked.returns,
        ranked.net_revenue,
        ranked.orders,
        ranked.customers,
        ranked.first_sales_date,
        ranked.last_sales_date,
        ranked.net_revenue_rank,
        cast(ranked.cumulative_share_before as decimal(9, 6)) as cumulative_share_before,
        case
            when
                ranked.net_revenue > 0
                and ranked.cumulative_share_before < {{ var('abc_a_share') }} then 'A'
            when
                ranked.net_revenue > 0
                and ranked.cumulative_share_before < {{ var('abc_b_share') }} then 'B'
            else 'C'
        end as abc_class,
        cast(ranked.units_returned / nullif(ranked.units_sold, 0) as decimal(9, 4))
            as return_rate,
        ranked.net_revenue_recent,
        ranked.net_revenue_previous,
        cast(
            (ranked.net_revenue_recent - ranked.net_revenue_previous)
            / nullif(abs(ranked.net_revenue_previous), 0)
            as decimal(12, 4)
        ) as trend_growth,
    {%- for m in range(1, 13) %}
        {%- set mm = '%02d' % m %}
        cast(
            (ranked.units_m{{ mm }} / nullif(month_counts.occurrences_m{{ mm }}, 0))
            / nullif(ranked.units_sold / month_counts.months_in_data, 0)
            as decimal(9, 3)
        ) as seasonality_m{{ mm }}{{ ',' if not loop.last }}
    {%- endfor %}
    from ranked
    cross join month_counts

)

select * from final
