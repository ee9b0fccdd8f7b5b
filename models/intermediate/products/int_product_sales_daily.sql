-- One row per goods stock code and day with sales or returns: units and revenue.
-- Inventory's demand and the product marts' trends and seasonality read it.
{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['sales_month'],
        on_schema_change='fail',
    )
}}

with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}
    {%- if is_incremental() %}
        -- only the months the valued lines rewrote since this table's last build
        where {{ only_months_rebuilt_in(ref('int_invoice_lines_valued')) }}
    {%- endif %}

),

final as (

    select
        stock_code,
        invoice_date as sales_date,
        invoice_month as sales_month,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        sum(net_revenue) as net_revenue,
        count(distinct case when line_type = 'sale' then invoice_id end) as orders,
        current_timestamp() as _built_at
    from lines
    where is_goods_movement
    group by 1, 2, 3

)

select * from final
