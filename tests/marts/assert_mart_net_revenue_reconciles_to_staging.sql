-- Every mart's net revenue equals staging's, to the cent, for the population the mart
-- covers. Staging's side is re-derived here from the revenue definitions, independently
-- of int_invoice_lines_valued, so a mistake there shows up too. A row = a mart that is off.
{% set checks = [
    ('fct_country_revenue_monthly', 'all_lines', 'net_revenue', 'true'),
    ('fct_country_summary', 'all_lines', 'net_revenue', 'true'),
    ('fct_product_revenue_monthly', 'all_lines', 'net_revenue', 'true'),
    ('fct_product_performance', 'all_lines', 'net_revenue', 'true'),
    ('fct_category_revenue_monthly', 'all_lines', 'net_revenue', 'true'),
    ('dim_customers', 'customer_lines', 'net_revenue', 'true'),
    ('fct_customer_concentration', 'customer_lines', 'net_revenue',
        "customer_group = 'all customers'"),
    ('fct_customer_cohorts', 'buyer_lines_from_cohort', 'net_revenue', 'true'),
] %}
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

lines as (

    select
        customer_id,
        trunc(invoice_date, 'MM') as invoice_month,
        case
            when is_service_charge or is_adjustment then 0
            when is_cancellation then line_amount
            when quantity > 0 and unit_price_exact > 0 then line_amount
            else 0
        end as net_revenue,
        not is_service_charge
        and not is_adjustment
        and not is_cancellation
        and quantity > 0
        and unit_price_exact > 0 as is_sale
    from staging

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

expected as (

    select
        sum(lines.net_revenue) as all_lines,
        sum(case when lines.customer_id is not null then lines.net_revenue else 0 end)
            as customer_lines,
        sum(case when buyers.customer_id is not null then lines.net_revenue else 0 end)
            as buyer_lines,
        sum(
            case when lines.invoice_month >= buyers.cohort_month then lines.net_revenue else 0 end
        ) as buyer_lines_from_cohort
    from lines
    left join buyers
        on lines.customer_id = buyers.customer_id

),

actual as (

    {%- for mart, population, measure, condition in checks %}
        select
            '{{ mart }}' as mart,
            '{{ population }}' as population,
            sum({{ measure }}) as net_revenue
        from {{ ref(mart) }}
        where {{ condition }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        actual.mart,
        actual.population,
        actual.net_revenue as mart_net_revenue,
        case actual.population
            when 'all_lines' then expected.all_lines
            when 'customer_lines' then expected.customer_lines
            when 'buyer_lines' then expected.buyer_lines
            when 'buyer_lines_from_cohort' then expected.buyer_lines_from_cohort
        end as staging_net_revenue
    from actual
    cross join expected

)

select * from final
where mart_net_revenue is distinct from staging_net_revenue
