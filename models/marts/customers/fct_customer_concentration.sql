-- The Pareto view: how much of net revenue the top 5, 25 and 100 customers and the top
-- 20% of customers bring, of customer revenue and of all revenue (anonymous sales too).
with

customers as (

    select * from {{ ref('dim_customers') }}

),

invoices as (

    select * from {{ ref('int_invoices_aggregated') }}

),

ranked as (

    select
        customer_id,
        net_revenue,
        row_number() over (order by net_revenue desc, customer_id asc) as customer_rank,
        count(*) over () as customer_count
    from customers

),

groups as (

    select
        group_order,
        customer_group,
        rank_limit
    from
        values
        {%- for n in var('concentration_top_counts') %}
            ({{ loop.index }}, 'top {{ n }} customers', {{ n }}),
        {%- endfor %}
        (
            {{ var('concentration_top_counts') | length + 1 }},
            concat(
                'top ',
                cast(round({{ var('concentration_top_share') }} * 100) as int),
                '% of customers'
            ),
            -1
        ),
        ({{ var('concentration_top_counts') | length + 2 }}, 'all customers', -2)
            as groups (group_order, customer_group, rank_limit)

),

grouped as (

    select
        groups.group_order,
        groups.customer_group,
        count(*) as customers,
        sum(ranked.net_revenue) as net_revenue
    from groups
    inner join ranked
        on
            ranked.customer_rank <= case
                when groups.rank_limit = -1
                    then ceil({{ var('concentration_top_share') }} * ranked.customer_count)
                when groups.rank_limit = -2 then ranked.customer_count
                else groups.rank_limit
            end
    group by 1, 2

),

totals as (

    select
        sum(net_revenue) as all_net_revenue,
        sum(case when customer_id is not null then net_revenue else 0 end)
            as customer_net_revenue
    from invoices

),

final as (

    select
        grouped.group_order,
        grouped.customer_group,
        grouped.customers,
        cast(grouped.net_revenue as decimal(18, 2)) as net_revenue,
        cast(grouped.net_revenue / nullif(totals.customer_net_revenue, 0) as decimal(9, 6))
            as share_of_customer_net_revenue,
        cast(grouped.net_revenue / nullif(totals.all_net_revenue, 0) as decimal(9, 6))
            as share_of_all_net_revenue
    from grouped
    cross join totals

)

select * from final
