-- Market basket: pairs of goods bought on the same purchase invoice, with support,
-- confidence both ways and lift. Bounded for speed (see `market_basket`): invoices with
-- more than `max_basket_products` products are left out (every row says how many, and
-- what share of the invoice × product lines they hold), and only products that reach
-- `min_pair_support` on their own can be in a pair that does.
with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

baskets as (

    select distinct
        invoice_id,
        stock_code
    from lines
    where line_type = 'sale'

),

basket_sizes as (

    select
        invoice_id,
        count(*) as basket_products
    from baskets
    group by 1

),

eligible as (

    select baskets.*
    from baskets
    inner join basket_sizes
        on baskets.invoice_id = basket_sizes.invoice_id
    where basket_sizes.basket_products <= {{ var('max_basket_products') }}

),

invoice_total as (

    select count(distinct invoice_id) as invoices
    from eligible

),

-- what the size bound leaves out, so a reader sees what the pairs do not cover
excluded as (

    select
        count(*) as purchase_invoices,
        count_if(basket_products > {{ var('max_basket_products') }}) as excluded_invoices,
        sum(basket_products) as invoice_products,
        sum(
            case
                when basket_products > {{ var('max_basket_products') }} then basket_products
                else 0
            end
        ) as excluded_invoice_products
    from basket_sizes

),

item_counts as (

    select
        stock_code,
        count(*) as item_invoices
    from eligible
    group by 1

),

frequent_items as (

    select item_counts.*
    from item_counts
    cross join invoice_total
    where item_counts.item_invoices >= {{ var('min_pair_support') }} * invoice_total.invoices

),

frequent_baskets as (

    select eligible.*
    from eligible
    inner join frequent_items
        on eligible.stock_code = frequent_items.stock_code

),

pairs as (

    select
        a.stock_code as product_a,
        b.stock_code as product_b,
        count(*) as pair_invoices
    from frequent_baskets as a
    inner join frequent_baskets as b
        on
            a.invoice_id = b.invoice_id
            and a.stock_code < b.stock_code
    group by 1, 2

),

final as (

    select
        pairs.product_a,
        pairs.product_b,
        product_a_info.description as product_a_description,
        product_b_info.description as product_b_description,
        pairs.pair_invoices,
        item_a.item_invoices as product_a_invoices,
        item_b.item_invoices as product_b_invoices,
        invoice_total.invoices as basket_invoices,
        excluded.purchase_invoices,
        excluded.excluded_invoices,
        cast(excluded.excluded_invoice_products / excluded.invoice_products as decimal(9, 6))
            as excluded_invoice_product_share,
        cast(pairs.pair_invoices / invoice_total.invoices as decimal(9, 6)) as support,
        cast(pairs.pair_invoices / item_a.item_invoices as decimal(9, 6)) as confidence_a_to_b,
        cast(pairs.pair_invoices / item_b.item_invoices as decimal(9, 6)) as confidence_b_to_a,
        cast(
            pairs.pair_invoices * invoice_total.invoices
            / (item_a.item_invoices * item_b.item_invoices)
            as decimal(12, 4)
        ) as lift
    from pairs
    cross join invoice_total
    cross join excluded
    inner join frequent_items as item_a
        on pairs.product_a = item_a.stock_code
    inner join frequent_items as item_b
        on pairs.product_b = item_b.stock_code
    left join products as product_a_info
        on pairs.product_a = product_a_info.stock_code
    left join products as product_b_info
        on pairs.product_b = product_b_info.stock_code
    where pairs.pair_invoices >= {{ var('min_pair_support') }} * invoice_total.invoices

)

select * from final
