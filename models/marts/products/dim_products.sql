-- One row per goods stock code (service codes left out): its canonical description,
-- how many descriptions it went by, its prices and when it sold.
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

goods_lines as (

    select * from lines
    where not is_service_charge and not is_adjustment

),

descriptions_ranked as (

    select
        stock_code,
        description,
        row_number() over (
            partition by stock_code
            order by count(*) desc, max(invoiced_at) desc, description asc
        ) as description_rank
    from goods_lines
    where description is not null
    group by 1, 2

),

totals as (

    select
        stock_code,
        count(distinct description) as description_variants,
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
        descriptions_ranked.description,
        totals.description_variants,
        totals.min_unit_price,
        totals.max_unit_price,
        totals.median_unit_price,
        totals.average_unit_price,
        totals.first_sold_at,
        totals.last_sold_at
    from totals
    left join descriptions_ranked
        on
            totals.stock_code = descriptions_ranked.stock_code
            and descriptions_ranked.description_rank = 1

)

select * from final
