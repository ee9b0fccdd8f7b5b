-- One row per customer and cutoff date for customers who bought in the
-- `churn_active_window_days` before the cutoff: what was known at the cutoff (the features)
-- and whether they bought again within `churn_horizon_days` after it (the label, only where
-- the data covers the whole horizon). Cutoffs are month ends, and the last data date for the
-- last month, so the latest rows are the ones the churn model scores.
with

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

orders as (

    select * from {{ ref('int_customer_orders') }}

),

months as (

    select * from {{ ref('int_calendar_months') }}

),

product_months as (

    select * from {{ ref('int_customer_product_months') }}

),

products as (

    select * from {{ ref('int_products_classified') }}

),

data_end as (

    select max(data_end_date) as last_date from months

),

-- known from the first purchase on, so never information from after a cutoff
first_orders as (

    select
        customer_id,
        country,
        sales_channel
    from orders
    where order_number = 1

),

windowed as (

    select
        customer_id,
        calendar_month,
        data_end_date as cutoff_date,
        orders_to_date,
        net_revenue_to_date,
        gross_sales_to_date,
        returns_to_date,
        first_purchase_date_to_date,
        last_purchase_date_to_date,
        sum(orders) over last_3_months as orders_last_3_months,
        sum(orders) over previous_3_months as orders_previous_3_months,
        sum(net_revenue) over last_3_months as net_revenue_last_3_months,
        sum(net_revenue) over previous_3_months as net_revenue_previous_3_months,
        count_if(orders > 0) over to_date as active_months_to_date,
        -- the label's only look ahead: the first purchase in a later month
        min(first_purchase_date) over later_months as next_purchase_date
    from customer_months
    window
        to_date as (
            partition by customer_id order by calendar_month
            rows between unbounded preceding and current row
        ),
        last_3_months as (
            partition by customer_id order by calendar_month
            rows between 2 preceding and current row
        ),
        previous_3_months as (
            partition by customer_id order by calendar_month
            rows between 5 preceding and 3 preceding
        ),
        later_months as (
            partition by customer_id order by calendar_month
            rows between 1 following and unbounded following
        )

),

active as (

    select
        *,
        datediff(cutoff_date, last_purchase_date_to_date) as recency_days,
        datediff(last_purchase_date_to_date, first_purchase_date_to_date) as purchase_span_days,
        date_add(cutoff_date, {{ var('churn_horizon_days') }}) as horizon_end_date
    from windowed
    where
        last_purchase_date_to_date is not null
        and datediff(cutoff_date, last_purchase_date_to_date)
        < {{ var('churn_active_window_days') }}

),

-- the median gap of the repeat buyers at each cutoff, as the churn rule takes it
typical as (

    select
        cutoff_date,
        percentile_approx(purchase_span_days / (orders_to_date - 1), 0.5) as median_gap_days
    from active
    where orders_to_date >= 2 and purchase_span_days > 0
    group by 1

),

gaps as (

    select
        active.*,
        {{ usual_gap_days(
            'active.purchase_span_days', 'active.orders_to_date', 'typical.median_gap_days'
        ) }} as usual_gap_days
    from active
    left join typical
        on active.cutoff_date = typical.cutoff_date

),

category_months as (

    select
        product_months.customer_id,
        product_months.purchase_month,
        products.category,
        sum(product_months.gross_sales) as gross_sales
    from product_months
    inner join products
        on product_months.stock_code = products.stock_code
    group by 1, 2, 3

),

-- gross sales by category up to each cutoff (the months up to the cutoff's own)
category_history as (

    select
        gaps.customer_id,
        gaps.cutoff_date,
        category_months.category,
        sum(category_months.gross_sales) as gross_sales
    from gaps
    inner join category_months
        on
            gaps.customer_id = category_months.customer_id
            and gaps.calendar_month >= category_months.purchase_month
    group by 1, 2, 3

),

category_mix as (

    select
        customer_id,
        cutoff_date,
        count(*) as categories_to_date,
        max(gross_sales) / nullif(sum(gross_sales), 0) as top_category_share
    from category_history
    group by 1, 2

),

final as (

    select
        gaps.customer_id,
        gaps.cutoff_date,
        gaps.calendar_month,
        first_orders.country,
        first_orders.sales_channel,
        gaps.recency_days,
        datediff(gaps.cutoff_date, gaps.first_purchase_date_to_date)
            as days_since_first_purchase,
        gaps.purchase_span_days,
        gaps.orders_to_date as frequency,
        cast(gaps.net_revenue_to_date / gaps.orders_to_date as decimal(18, 2))
            as monetary,
        cast(gaps.net_revenue_to_date as decimal(18, 2)) as net_revenue_to_date,
        cast(gaps.usual_gap_days as decimal(10, 1)) as usual_gap_days,
        coalesce(
            gaps.recency_days > {{ var('churn_gap_multiple') }} * gaps.usual_gap_days, false
        ) as is_churn_risk_by_rule,
        gaps.active_months_to_date,
        coalesce(gaps.orders_last_3_months, 0) as orders_last_3_months,
        coalesce(gaps.orders_previous_3_months, 0) as orders_previous_3_months,
        cast(coalesce(gaps.net_revenue_last_3_months, 0) as decimal(18, 2))
            as net_revenue_last_3_months,
        cast(coalesce(gaps.net_revenue_previous_3_months, 0) as decimal(18, 2))
            as net_revenue_previous_3_months,
        cast(
            coalesce(-gaps.returns_to_date / nullif(gaps.gross_sales_to_date, 0), 0)
            as decimal(9, 4)
        ) as return_rate,
        coalesce(category_mix.categories_to_date, 0) as categories_to_date,
        cast(category_mix.top_category_share as decimal(9, 4)) as top_category_share,
        gaps.horizon_end_date,
        gaps.horizon_end_date <= data_end.last_date as is_labelled,
        case
            when gaps.horizon_end_date <= data_end.last_date
                then coalesce(gaps.next_purchase_date > gaps.horizon_end_date, true)
        end as churned
    from gaps
    cross join data_end
    inner join first_orders
        on gaps.customer_id = first_orders.customer_id
    left join category_mix
        on
            gaps.customer_id = category_mix.customer_id
            and gaps.cutoff_date = category_mix.cutoff_date

)

select * from final
