-- Move surplus of a product from where it sits to where the same product is short:
-- largest shortages first, from the largest surpluses, never more than a shortage and
-- never more than a surplus (which leaves the source at its surplus threshold, above its
-- own need). Dead stock elsewhere counts as surplus.
with

positions as (

    select * from {{ ref('fct_stock_position') }}

),

sources as (

    select
        stock_code,
        location_id,
        unit_cost,
        surplus_qty,
        sum(surplus_qty) over (
            partition by stock_code
            order by surplus_qty desc, location_id asc
            rows between unbounded preceding and current row
        ) - surplus_qty as range_start
    from positions
    where surplus_qty > 0

),

destinations as (

    select
        stock_code,
        location_id,
        shortage_qty,
        sum(shortage_qty) over (
            partition by stock_code
            order by shortage_qty desc, location_id asc
            rows between unbounded preceding and current row
        ) - shortage_qty as range_start
    from positions
    where shortage_qty > 0

),

-- lay surpluses and shortages end to end; a transfer is where the two ranges overlap
matched as (

    select
        sources.stock_code,
        sources.location_id as from_location_id,
        destinations.location_id as to_location_id,
        sources.unit_cost,
        least(
            sources.range_start + sources.surplus_qty,
            destinations.range_start + destinations.shortage_qty
        ) - greatest(sources.range_start, destinations.range_start) as transfer_qty,
        destinations.shortage_qty as destination_shortage_qty,
        sources.surplus_qty as source_surplus_qty
    from sources
    inner join destinations
        on
            sources.stock_code = destinations.stock_code
            and sources.location_id != destinations.location_id

),

final as (

    select
        stock_code,
        from_location_id,
        to_location_id,
        cast(transfer_qty as int) as transfer_qty,
        cast(transfer_qty * unit_cost as decimal(18, 2)) as transfer_value,
        source_surplus_qty,
        destination_shortage_qty
    from matched
    where transfer_qty > 0

)

select * from final
