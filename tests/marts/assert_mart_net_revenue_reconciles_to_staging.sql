-- Every mart's revenue components equal staging's, to the cent, for the population the
-- mart covers: net revenue, and (where the mart carries them) contra-revenue, postage
-- income, fees and charges and the other service amounts. Staging's side is re-derived
-- here from the revenue definitions and the service-code seed, independently of
-- int_invoice_lines_valued, so a mistake there shows up too. A row = a mart and measure
-- that is off.
{% set service_measures = [
    'contra_revenue', 'postage_income', 'fees_and_charges', 'other_service_amount'
] %}
{% set checks = [
    ('fct_country_revenue_monthly', 'all_lines', 'net_revenue', 'true'),
    ('fct_country_summary', 'all_lines', 'net_revenue', 'true'),
    ('fct_channel_revenue_monthly', 'all_lines', 'net_revenue', 'true'),
    ('fct_channel_revenue_monthly', 'all_lines', 'contra_revenue', 'true'),
    ('fct_product_revenue_monthly', 'goods_lines', 'net_revenue', 'true'),
    ('fct_product_performance', 'goods_lines', 'net_revenue', 'true'),
    ('fct_category_revenue_monthly', 'goods_lines', 'net_revenue', 'true'),
    ('dim_customers', 'customer_lines', 'net_revenue', 'true'),
    ('fct_customer_concentration', 'customer_lines', 'net_revenue',
        "customer_group = 'all customers'"),
    ('fct_customer_cohorts', 'buyer_lines_from_cohort', 'net_revenue', 'true'),
] %}
{%- for measure in service_measures %}
    {%- do checks.append(('fct_country_revenue_monthly', 'all_lines', measure, 'true')) %}
    {%- do checks.append(('fct_country_summary', 'all_lines', measure, 'true')) %}
    {%- do checks.append(('dim_customers', 'customer_lines', measure, 'true')) %}
{%- endfor %}
{%- if not var('rfm_as_of') %}
    {%- do checks.append(('fct_customer_rfm', 'buyer_lines', 'monetary', 'true')) %}
    {%- do checks.append(
        ('fct_customer_lifetime_value', 'buyer_lines', 'historical_net_revenue', 'true')
    ) %}
{%- endif %}

with

staging as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

seed as (

    select * from {{ ref('service_stock_codes') }}

),

-- each staging line's revenue category straight from the seed: by its exact code, else
-- by a prefix; adjustment invoices' lines are adjustments, not service lines
categorised as (

    select
        staging.invoice_line_id,
        coalesce(
            max(case when seed.match_type = 'exact' then seed.revenue_category end),
            max(case when seed.match_type = 'prefix' then seed.revenue_category end)
        ) as revenue_category
    from staging
    inner join seed
        on
            (seed.match_type = 'exact' and staging.stock_code = upper(seed.stock_code))
            or (
                seed.match_type = 'prefix'
                and left(staging.stock_code, length(seed.stock_code)) = upper(seed.stock_code)
            )
    where not startswith(staging.invoice_id, 'A')
    group by 1

),

lines as (

    select
        staging.customer_id,
        trunc(staging.invoice_date, 'MM') as invoice_month,
        case
            when startswith(staging.invoice_id, 'A') then 0
            when categorised.revenue_category = 'contra_revenue' then staging.line_amount
            when categorised.revenue_category is not null then 0
            when startswith(staging.invoice_id, 'C') then staging.line_amount
            when staging.quantity > 0 and staging.unit_price_exact > 0 then staging.line_amount
            else 0
        end as net_revenue,
        case
            when startswith(staging.invoice_id, 'A') then 0
            when categorised.revenue_category is not null then 0
            when startswith(staging.invoice_id, 'C') then staging.line_amount
            when staging.quantity > 0 and staging.unit_price_exact > 0 then staging.line_amount
            else 0
        end as goods_net_revenue,
        categorised.revenue_category is null
        and not startswith(staging.invoice_id, 'A')
        and not startswith(staging.invoice_id, 'C')
        and staging.quantity > 0
        and staging.unit_price_exact > 0 as is_sale,
        case
            when categorised.revenue_category = 'contra_revenue' then staging.line_amount
            else 0
        end as contra_revenue,
        case
            when categorised.revenue_category = 'postage' then staging.line_amount else 0
        end as postage_income,
        case
            when categorised.revenue_category = 'fees_and_charges' then staging.line_amount
            else 0
        end as fees_and_charges,
        case
            when categorised.revenue_category = 'other_service' then staging.line_amount
            else 0
        end as other_service_amount
    from staging
    left join categorised
        on staging.invoice_line_id = categorised.invoice_line_id

),

buyers as (

    select
        customer_id,
        min(case when is_sale then invoice_month end) as cohort_month
    from lines
    where customer_id is not null
    group by 1
    having count_if(is_sale) > 0

),

-- one row per measure, with its staging total for each population
expected as (

    {%- for measure in ['net_revenue'] + service_measures %}
        select
            '{{ measure }}' as measure,
            sum(lines.{{ measure }}) as all_lines,
            sum(lines.goods_net_revenue) as goods_lines,
            sum(case when lines.customer_id is not null then lines.{{ measure }} else 0 end)
                as customer_lines,
            sum(case when buyers.customer_id is not null then lines.{{ measure }} else 0 end)
                as buyer_lines,
            sum(
                case
                    when lines.invoice_month >= buyers.cohort_month then lines.{{ measure }}
                    else 0
                end
            ) as buyer_lines_from_cohort
        from lines
        left join buyers
            on lines.customer_id = buyers.customer_id
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

actual as (

    {%- for mart, population, measure, condition in checks %}
        select
            '{{ mart }}' as mart,
            '{{ population }}' as population,
            '{{ "net_revenue" if measure in ("monetary", "historical_net_revenue")
                else measure }}' as measure,
            sum({{ measure }}) as amount
        from {{ ref(mart) }}
        where {{ condition }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        actual.mart,
        actual.population,
        actual.measure,
        actual.amount as mart_amount,
        case actual.population
            when 'all_lines' then expected.all_lines
            when 'goods_lines' then expected.goods_lines
            when 'customer_lines' then expected.customer_lines
            when 'buyer_lines' then expected.buyer_lines
            when 'buyer_lines_from_cohort' then expected.buyer_lines_from_cohort
        end as staging_amount
    from actual
    inner join expected
        on actual.measure = expected.measure

)

select * from final
where mart_amount is distinct from staging_amount
