-- One row per invoice: who, where, when, and its totals by revenue component.
{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['invoice_month'],
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
        invoice_id,
        max(customer_id) as customer_id,
        max(country) as country,
        max(sales_channel) as sales_channel,
        min(invoiced_at) as invoiced_at,
        min(invoice_date) as invoice_date,
        min(invoice_month) as invoice_month,
        bool_or(is_cancellation) as is_cancellation,
        bool_or(is_adjustment) as is_adjustment,
        sum(units_sold) > 0 as is_purchase,
        count(*) as line_count,
        count_if(line_type = 'sale') as sale_line_count,
        count(distinct case when line_type = 'sale' then stock_code end) as distinct_products,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(gross_sales) as gross_sales,
        sum(returns) as returns,
        sum(net_revenue) as net_revenue,
        sum(contra_revenue) as contra_revenue,
        sum(postage_income) as postage_income,
        sum(fees_and_charges) as fees_and_charges,
        sum(other_service_amount) as other_service_amount,
        sum(adjustments) as adjustments,
        sum(line_amount) as total_amount,
        current_timestamp() as _built_at
    from lines
    group by 1

)

select * from final
