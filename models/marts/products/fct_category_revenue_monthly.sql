-- One row per product category × month: units, revenue, products and customers, and the
-- category's share of the month's net revenue.
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

monthly as (

    select
        coalesce(products.category, 'Other') as category,
        lines.invoice_month as revenue_month,
        sum(lines.units_sold) as units_sold,
        sum(lines.units_returned) as units_returned,
        cast(sum(lines.gross_sales) as decimal(18, 2)) as gross_sales,
        cast(sum(lines.returns) as decimal(18, 2)) as returns,
        cast(sum(lines.net_revenue) as decimal(18, 2)) as net_revenue,
        count(distinct case when lines.line_type = 'sale' then lines.stock_code end) as products,
        count(distinct case when lines.line_type = 'sale' then lines.customer_id end)
            as customers,
        count(distinct case when lines.line_type = 'sale' then lines.invoice_id end) as orders
    from lines
    left join products
        on lines.stock_code = products.stock_code
    where lines.is_goods_movement
    group by 1, 2

),

final as (

    select
        *,
        cast(
            net_revenue / nullif(sum(net_revenue) over (partition by revenue_month), 0)
            as decimal(9, 6)
        ) as share_of_month_net_revenue
    from monthly

)

select * from final
