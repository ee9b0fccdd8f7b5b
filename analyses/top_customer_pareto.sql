-- The Pareto curve of the original analysis: customers ranked by net revenue, and the
-- cumulative share of customer net revenue at each percentile of customers. Read the
-- `pct_of_customers = 20` row for the classic 80/20 question.
with

customers as (

    select * from {{ ref('dim_customers') }}

),

ranked as (

    select
        customer_id,
        net_revenue,
        row_number() over (order by net_revenue desc, customer_id asc) as customer_rank,
        count(*) over () as customer_count,
        sum(net_revenue) over () as total_net_revenue,
        sum(net_revenue) over (
            order by net_revenue desc, customer_id asc
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue
    from customers

),

percentiles as (

    select
        cast(ceil(100 * customer_rank / customer_count) as int) as pct_of_customers,
        max(customer_rank) as customers,
        max(cumulative_net_revenue) as cumulative_net_revenue,
        max(total_net_revenue) as total_net_revenue
    from ranked
    group by 1

),

final as (

    select
        pct_of_customers,
        customers,
        cumulative_net_revenue,
        round(cumulative_net_revenue / total_net_revenue, 4) as share_of_net_revenue
    from percentiles

)

select * from final
order by 1
