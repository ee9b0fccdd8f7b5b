-- Surplus and dead stock that stays after the suggested transfers, ranked by the value it
-- ties up, with a suggested markdown and the customer segments that bought the product
-- most, so a promotion can target them.
with

positions as (

    select * from {{ ref('fct_stock_position') }}

),

transfers as (

    select * from {{ ref('fct_stock_transfer_suggestions') }}

),

located as (

    select * from {{ ref('int_invoice_lines_located') }}

),

rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

buyer_segments as (

    select
        located.stock_code,
        rfm.rfm_segment,
        sum(located.units_sold) as units_bought,
        count(distinct located.customer_id) as buyers
    from located
    inner join rfm
        on located.customer_id = rfm.customer_id
    where located.line_type = 'sale'
    group by 1, 2

),

segments_ranked as (

    select
        *,
        row_number() over (
            partition by stock_code order by units_bought desc, rfm_segment asc
        ) as segment_rank
    from buyer_segments

),

top_segments as (

    select
        stock_code,
        max(case when segment_rank = 1 then rfm_segment end) as top_segment,
        array_join(
            transform(
                array_sort(collect_list(struct(segment_rank, rfm_segment))),
                s -> s.rfm_segment
            ),
            ', '
        ) as target_segments
    from segments_ranked
    where segment_rank <= 3
    group by 1

),

-- units the transfer suggestions already move away from each location
sent as (

    select
        stock_code,
        from_location_id as location_id,
        sum(transfer_qty) as transfer_out_qty
    from transfers
    group by 1, 2

),

remaining as (

    select
        positions.*,
        coalesce(sent.transfer_out_qty, 0) as transfer_out_qty,
        positions.surplus_qty - coalesce(sent.transfer_out_qty, 0) as promotion_qty
    from positions
    left join sent
        on
            positions.stock_code = sent.stock_code
            and positions.location_id = sent.location_id
    where positions.stock_status in ('surplus', 'dead_stock')

),

candidates as (

    select
        positions.*,
        cast(positions.promotion_qty * positions.unit_cost as decimal(18, 2)) as tied_up_value,
        case
            when positions.stock_status = 'dead_stock' then 'clearance'
            when
                positions.weeks_of_cover is null
                or positions.weeks_of_cover
                > {{ var('deep_surplus_cover_multiple') }} * {{ var('surplus_weeks_of_cover') }}
                then 'deep'
            else 'light'
        end as markdown_tier
    from remaining as positions
    where positions.promotion_qty > 0

),

final as (

    select
        row_number() over (
            order by
                candidates.tied_up_value desc, candidates.stock_code asc, candidates.location_id asc
        ) as promotion_rank,
        candidates.stock_code,
        candidates.location_id,
        products.description,
        candidates.stock_status,
        candidates.on_hand_qty,
        candidates.surplus_qty,
        cast(candidates.transfer_out_qty as int) as transfer_out_qty,
        cast(candidates.promotion_qty as int) as promotion_qty,
        candidates.unit_cost,
        candidates.tied_up_value,
        candidates.weeks_of_cover,
        candidates.days_since_last_sale,
        candidates.markdown_tier,
        case candidates.markdown_tier
            when 'clearance' then {{ var('markdown_dead_stock') }}
            when 'deep' then {{ var('markdown_deep_surplus') }}
            else {{ var('markdown_surplus') }}
        end as suggested_markdown,
        top_segments.top_segment,
        top_segments.target_segments
    from candidates
    left join products
        on candidates.stock_code = products.stock_code
    left join top_segments
        on candidates.stock_code = top_segments.stock_code

)

select * from final
