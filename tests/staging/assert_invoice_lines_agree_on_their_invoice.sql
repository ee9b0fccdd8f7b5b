-- An invoice is one sale: all its lines have one customer (or none), one country, one sales
-- channel and one day. The country, channel and customer marts count orders and buyers from
-- int_invoices_aggregated (one row per invoice) on this rule; an invoice whose lines
-- disagreed would be counted under one of its values there. Returns each invoice that breaks
-- it, with what its lines disagree on.
with

lines as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

per_invoice as (

    select
        invoice_id,
        count(distinct coalesce(customer_id, '')) as customers,
        count(distinct country) as countries,
        count(distinct sales_channel) as sales_channels,
        count(distinct invoice_date) as invoice_days
    from lines
    group by 1

)

select * from per_invoice
where customers > 1 or countries > 1 or sales_channels > 1 or invoice_days > 1
