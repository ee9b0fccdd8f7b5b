-- One row per staging line with its revenue components: the one place where gross
-- sales, returns, contra-revenue, net revenue and the other service amounts are defined
-- (see `revenue_definitions`).
{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['invoice_month'],
        on_schema_change='fail',
    )
}}

with

invoice_lines as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}
    {%- if is_incremental() %}
        -- only the months staging rewrote since this table's last build
        where {{ only_months_rebuilt_in(ref('stg_online_retail__invoice_lines')) }}
    {%- endif %}

),

service_stock_codes as (

    select * from {{ ref('service_stock_codes') }}

),

-- The service type and revenue category of each service line (seed
-- `service_stock_codes`): an exact code wins over a prefix, the longest prefix over a
-- shorter one, so a line gets exactly one of each.
service_types as (

    select
        staged.invoice_line_id,
        max_by(
            struct(codes.service_type, codes.revenue_category),
            case when codes.match_type = 'exact' then 1000 else length(codes.stock_code) end
        ) as service_code
    from invoice_lines as staged
    inner join service_stock_codes as codes
        on
            (codes.match_type = 'exact' and staged.stock_code = upper(codes.stock_code))
            or (
                codes.match_type = 'prefix'
                and startswith(staged.stock_code, upper(codes.stock_code))
            )
    where staged.is_service_charge
    group by 1

),

typed as (

    select
        invoice_lines.* except (_built_at),
        service_types.service_code.service_type,
        -- postage, contra_revenue, fees_and_charges or other_service; null for lines
        -- that are not service lines (an adjustment invoice's lines included)
        case
            when
                not invoice_lines.is_adjustment and invoice_lines.is_service_charge
                then service_types.service_code.revenue_category
        end as service_category,
        case
            when invoice_lines.is_adjustment then 'adjustment'
            when invoice_lines.is_service_charge then 'service'
            when invoice_lines.is_cancellation then 'return'
            when invoice_lines.quantity > 0 and invoice_lines.unit_price_exact > 0 then 'sale'
            else 'stock_note'
        end as line_type
    from invoice_lines
    left join service_types
        on invoice_lines.invoice_line_id = service_types.invoice_line_id

),

final as (

    select
        invoice_line_id,
        invoice_id,
        stock_code,
        customer_id,
        description,
        country,
        sales_channel,
        location_id,
        invoiced_at,
        invoice_date,
        trunc(invoice_date, 'MM') as invoice_month,
        line_type,
        service_type,
        service_category,
        line_type in ('sale', 'return') as is_goods_movement,
        is_cancellation,
        is_adjustment,
        is_service_charge,
        has_customer,
        quantity,
        unit_price,
        line_amount,
        case when line_type = 'sale' then quantity else 0 end as units_sold,
        case when line_type = 'return' then -quantity else 0 end as units_returned,
        case when line_type = 'sale' then line_amount else 0 end as gross_sales,
        case when line_type = 'return' then line_amount else 0 end as returns,
        case
            when service_category = 'contra_revenue' then line_amount else 0
        end as contra_revenue,
        case
            when
                line_type in ('sale', 'return') or service_category = 'contra_revenue'
                then line_amount
            else 0
        end as net_revenue,
        case when service_category = 'postage' then line_amount else 0 end as postage_income,
        case
            when service_category = 'fees_and_charges' then line_amount else 0
        end as fees_and_charges,
        case
            when service_category = 'other_service' then line_amount else 0
        end as other_service_amount,
        case when line_type = 'adjustment' then line_amount else 0 end as adjustments,
        current_timestamp() as _built_at
    from typed

)

select * from final
