-- One row per goods stock code (service codes left out): its canonical description,
-- how many descriptions it went by, its category and attributes, prices and when it sold.
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

descriptions as (

    select * from {{ ref('int_product_descriptions') }}

),

classified as (

    select * from {{ ref('int_products_classified') }}

),

goods_lines as (

    select * from lines
    where not is_service_charge and not is_adjustment

),

totals as (

    select
        stock_code,
        min(case when line_type = 'sale' then unit_price end) as min_unit_price,
        max(case when line_type = 'sale' then unit_price end) as max_unit_price,
        percentile_approx(case when line_type = 'sale' then unit_price end, 0.5)
            as median_unit_price,
        cast(sum(gross_sales) / nullif(sum(units_sold), 0) as decimal(18, 2))
            as average_unit_price,
        min(case when line_type = 'sale' then invoiced_at end) as first_sold_at,
        max(case when line_type = 'sale' then invoiced_at end) as last_sold_at
    from goods_lines
    group by 1

),

final as (

    select
        totals.stock_code,
        descriptions.description,
        descriptions.description_variants,
        coalesce(classified.category, 'Other') as category,
        classified.category_confidence,
        classified.pack_size,
        classified.colour,
        classified.theme,
        classified.classifier_version,
        totals.min_unit_price,
        totals.max_unit_price,
        totals.median_unit_price,
        totals.average_unit_price,
        totals.first_sold_at,
        totals.last_sold_at
    from totals
    left join descriptions
        on totals.stock_code = descriptions.stock_code
    left join classified
        on totals.stock_code = classified.stock_code

)

select * from final
