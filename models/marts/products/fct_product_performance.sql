-- One row per goods stock code over the whole period: revenue rank, ABC class, return
-- rate, trend (last `trend_months` complete months vs the span before) and a seasonality
-- index per calendar month over the complete months the product was on sale.
{%- set n = var('trend_months') | int %}
with

customer_months as (

    select * from {{ ref('int_customer_product_months') }}

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

-- units per product and calendar month, over the complete months from its first to its
-- last month on sale: the base of the seasonality index (a product launched in the
-- autumn is not compared with months it was not sold in; a 9-day month is not a month)
product_spans as (

    select
        stock_code,
        trunc(min(sales_date), 'MM') as first_month,
        trunc(max(sales_date), 'MM') as last_month
    from daily
    group by 1

),

product_monthly as (

    select
        stock_code,
        sales_month,
        sum(units_sold) as units_sold
    from daily
    group by 1, 2

),

months_on_sale as (

    select
        product_spans.stock_code,
        months.month_of_year,
        coalesce(product_monthly.units_sold, 0) as units_sold
    from product_spans
    inner join months
        on months.calendar_month between product_spans.first_month and product_spans.last_month
    left join product_monthly
        on
            product_spans.stock_code = product_monthly.stock_code
            and months.calendar_month = product_monthly.sales_month
    where months.is_complete_month

),

month_counts as (

    select
        stock_code,
        count(*) as months_on_sale,
        sum(units_sold) as units_on_sale,
    {%- for m in range(1, 13) %}
        count_if(month_of_year = {{ m }}) as occurrences_m{{ '%02d' % m }},
        sum(case when month_of_year = {{ m }} then units_sold else 0 end)
            as units_m{{ '%02d' % m }}{{ ',' if not loop.last }}
    {%- endfor %}
    from months_on_sale
    group by 1

),

totals as (

    select
        stock_code,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        sum(net_revenue) as net_revenue,
        -- invoices with a sale of the product: an invoice is on one day, so the days'
        -- counts add up to the product's
        sum(orders) as orders,
        min(sales_date) as first_sales_date,
        max(sales_date) as last_sales_date,
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

-- known customers who bought the product (returned-only products have none)
buyers as (

    select
        stock_code,
        count(distinct customer_id) as customers
    from customer_months
    group by 1

),

ranked as (

    select
        totals.*,
        coalesce(buyers.customers, 0) as customers,
        rank() over (order by totals.net_revenue desc) as net_revenue_rank,
        coalesce(
            sum(greatest(totals.net_revenue, 0)) over (
                order by totals.net_revenue desc, totals.stock_code asc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) / sum(greatest(totals.net_revenue, 0)) over () as cumulative_share_before
    from totals
    left join buyers
        on totals.stock_code = buyers.stock_code

),

final as (

    select
        ranked.stock_code,
        ranked.units_sold,
        ranked.units_returned,
        cast(ranked.gross_sales as decimal(18, 2)) as gross_sales,
        cast(ranked.returns as decimal(18, 2)) as returns,
        cast(ranked.net_revenue as decimal(18, 2)) as net_revenue,
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
        cast(ranked.net_revenue_recent as decimal(18, 2)) as net_revenue_recent,
        cast(ranked.net_revenue_previous as decimal(18, 2)) as net_revenue_previous,
        cast(
            (ranked.net_revenue_recent - ranked.net_revenue_previous)
            / nullif(abs(ranked.net_revenue_previous), 0)
            as decimal(12, 4)
        ) as trend_growth,
    {%- for m in range(1, 13) %}
        {%- set mm = '%02d' % m %}
        cast(
            (month_counts.units_m{{ mm }} / nullif(month_counts.occurrences_m{{ mm }}, 0))
            / nullif(month_counts.units_on_sale / month_counts.months_on_sale, 0)
            as decimal(9, 3)
        ) as seasonality_m{{ mm }}{{ ',' if not loop.last }}
    {%- endfor %}
    from ranked
    left join month_counts
        on ranked.stock_code = month_counts.stock_code

)

select * from final
