-- The classifier leaves less than 3% of goods net revenue in `Other`. A row = above it.
with

categories as (

    select * from {{ ref('fct_category_revenue_monthly') }}

),

final as (

    select
        sum(case when category = 'Other' then net_revenue else 0 end) as other_net_revenue,
        sum(net_revenue) as goods_net_revenue
    from categories

)

select * from final
where other_net_revenue > 0.03 * goods_net_revenue
