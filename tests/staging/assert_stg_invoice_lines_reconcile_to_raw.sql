-- Staging keeps every raw line and every penny: line count, units and amount (in the
-- currency of the file) equal the raw lake's, and a sterling line's amount is unchanged by
-- the conversion to sterling. Returns a row (and fails) when they differ.
with

raw_totals as (

    select
        count(*) as line_count,
        sum(quantity) as units,
        sum(cast(quantity * unit_price as decimal(18, 2))) as amount
    from {{ source('online_retail', 'transactions') }}
    where _load_id in ({{ committed_load_ids() }})

),

staging_totals as (

    select
        count(*) as line_count,
        sum(quantity) as units,
        sum(cast(quantity * unit_price_local as decimal(18, 2))) as amount,
        sum(case when currency = 'GBP' then line_amount else 0 end) as sterling_amount,
        sum(
            case
                when currency = 'GBP'
                    then cast(quantity * unit_price_local as decimal(18, 2))
                else 0
            end
        ) as sterling_amount_as_read
    from {{ ref('stg_online_retail__invoice_lines') }}

),

final as (

    select
        raw_totals.line_count as raw_lines,
        staging_totals.line_count as staging_lines,
        raw_totals.units as raw_units,
        staging_totals.units as staging_units,
        raw_totals.amount as raw_amount,
        staging_totals.amount as staging_amount,
        staging_totals.sterling_amount,
        staging_totals.sterling_amount_as_read
    from raw_totals
    cross join staging_totals
    where
        raw_totals.line_count != staging_totals.line_count
        or raw_totals.units != staging_totals.units
        or raw_totals.amount != staging_totals.amount
        or staging_totals.sterling_amount != staging_totals.sterling_amount_as_read

)

select * from final
