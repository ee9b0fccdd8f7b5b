-- One row per goods stock code: the description it most often carries (trimmed; ties →
-- the latest used) and how many it went by. The product dimension and the classifier read it.
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

goods_lines as (

    select * from lines
    where not is_service_charge and not is_adjustment

),

ranked as (

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

codes as (

    select
        stock_code,
        count(distinct description) as description_variants
    from goods_lines
    group by 1

),

final as (

    select
        codes.stock_code,
        ranked.description,
        codes.description_variants
    from codes
    left join ranked
        on
            codes.stock_code = ranked.stock_code
            and ranked.description_rank = 1

)

select * from final
