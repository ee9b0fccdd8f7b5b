{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['invoice_month'],
        on_schema_change='fail',
    )
}}

with

source as (

    select * from {{ source('online_retail', 'transactions') }}
    -- rows of a load still under way (or killed) have no committed log row yet
    where
        _load_id in ({{ committed_load_ids() }})
        {%- if is_incremental() %}
            -- only the months the loads this table has not read yet touch (every line of
            -- those months is read again, so the invoices' line numbers stay whole)
            and {{ in_months('invoice_month', months_of_new_loads()) }}
        {%- endif %}

),

service_stock_codes as (

    select * from {{ ref('service_stock_codes') }}

),

countries as (

    select * from {{ ref('countries') }}

),

locations as (

    select * from {{ ref('locations') }}

),

currency_rates as (

    select * from {{ ref('currency_rates') }}

),

-- What the seeds add to a line of another channel: the country a marketplace names by its
-- ISO code, the country and currency of the store a till line was sold in, and the rate
-- of a foreign currency in the invoice's year (ingest rejects a currency without one).
priced as (

    select
        source.*,
        iso_countries.country as iso_country,
        locations.country as location_country,
        coalesce(
            nullif(upper(trim(source.currency)), ''), locations.currency, 'GBP'
        ) as currency_code
    from source
    left join locations
        on upper(trim(source.location_id)) = locations.location_id
    left join countries as iso_countries
        on
            length(trim(source.country)) = 2
            and upper(trim(source.country)) = iso_countries.iso_alpha2

),

rated as (

    select
        priced.*,
        -- the price in sterling, to the file's 3 places (sterling prices unchanged)
        cast(
            priced.unit_price * case
                when priced.currency_code = 'GBP' then 1 else currency_rates.gbp_per_unit
            end
            as decimal(18, 3)
        ) as unit_price_sterling
    from priced
    left join currency_rates
        on
            priced.currency_code = currency_rates.currency
            and year(priced.invoiced_at) = currency_rates.rate_year

),

-- The seed folded into one row (exact codes, prefixes), so flagging a line is a lookup in
-- two small arrays rather than a join that could match a line twice.
service_code_lists as (

    select
        collect_set(case when match_type = 'exact' then upper(stock_code) end) as exact_codes,
        collect_set(case when match_type = 'prefix' then upper(stock_code) end) as prefixes
    from service_stock_codes

),

typed as (

    select
        -- ids
        upper(trim(invoice)) as invoice_id,
        upper(trim(stock_code)) as stock_code,
        nullif(regexp_replace(trim(customer_id), '\\.0+$', ''), '') as customer_id,

        -- strings
        case
            when lower(trim(description)) in ('', 'nan') then null
            else trim(description)
        end as description,
        coalesce(
            iso_country,
            nullif(trim(country), ''),
            location_country,
            '{{ var("unknown_country") }}'
        ) as country,
        coalesce(
            nullif(lower(trim(sales_channel)), ''), '{{ var("default_sales_channel") }}'
        ) as sales_channel,
        nullif(upper(trim(location_id)), '') as location_id,
        currency_code as currency,

        -- numerics: prices in sterling (a foreign price at its year's rate, to 3 places)
        quantity,
        cast(unit_price_sterling as decimal(18, 2)) as unit_price,
        unit_price_sterling as unit_price_exact,
        unit_price as unit_price_local,
        cast(quantity * unit_price_sterling as decimal(18, 2)) as line_amount,

        -- timestamps
        invoiced_at,
        to_date(invoiced_at) as invoice_date,
        invoice_month,

        -- lineage
        _source_file as source_file,
        _source_row as source_row,
        _load_id as load_id,
        _loaded_at as loaded_at

    from rated

),

final as (

    select
        concat_ws(
            '-',
            typed.invoice_id,
            cast(
                row_number()
                    over (
                        partition by typed.invoice_id order by typed.source_file, typed.source_row
                    )
                as string
            )
        ) as invoice_line_id,
        typed.invoice_id,
        typed.stock_code,
        typed.customer_id,
        typed.description,
        typed.country,
        typed.sales_channel,
        typed.location_id,
        typed.currency,
        typed.quantity,
        typed.unit_price,
        typed.unit_price_exact,
        typed.unit_price_local,
        typed.line_amount,
        typed.invoiced_at,
        typed.invoice_date,
        typed.invoice_month,

        -- booleans
        startswith(typed.invoice_id, 'C') as is_cancellation,
        startswith(typed.invoice_id, 'A') as is_adjustment,
        (
            array_contains(codes.exact_codes, typed.stock_code)
            or exists(codes.prefixes, prefix -> startswith(typed.stock_code, prefix))
        ) as is_service_charge,
        typed.customer_id is not null as has_customer,

        typed.source_file,
        typed.source_row,
        typed.load_id,
        typed.loaded_at,
        current_timestamp() as _built_at

    from typed
    cross join service_code_lists as codes

)

select * from final
