-- Every cohort keeps its size at every month since its first month, and that size is the
-- number of customers whose first purchase fell in that month (from dim_customers, which
-- derives first purchases on its own). Fails when the monthly grid drops or duplicates a
-- customer, or a cohort is assigned from the wrong order. A row = a cohort that is off.
with

cohorts as (

    select * from {{ ref('fct_customer_cohorts') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

sizes as (

    select
        cohort_month,
        min(cohort_customers) as min_size,
        max(cohort_customers) as max_size
    from cohorts
    group by 1

),

first_purchases as (

    select
        trunc(first_purchase_at, 'MM') as cohort_month,
        count(*) as customers
    from customers
    where first_purchase_at is not null
    group by 1

),

final as (

    select
        coalesce(sizes.cohort_month, first_purchases.cohort_month) as cohort_month,
        sizes.min_size,
        sizes.max_size,
        first_purchases.customers as expected_size
    from sizes
    full outer join first_purchases
        on sizes.cohort_month = first_purchases.cohort_month

)

select * from final
where
    min_size is distinct from expected_size
    or max_size is distinct from expected_size
