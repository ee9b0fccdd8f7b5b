-- One row per goods stock code: its description's category, the classifier's confidence,
-- and attributes read from the text (pack size, colour, theme). The Python UDFs run once
-- per distinct description, not per invoice line. A table, not a view: a persistent view
-- cannot call the session's temporary functions.
with

descriptions as (

    select * from {{ ref('int_product_descriptions') }}

),

distinct_descriptions as (

    select distinct description
    from descriptions
    where description is not null

),

classified as (

    select
        description,
        classify_product(description) as classification,
        product_pack_size(description) as pack_size,
        product_colour(description) as colour,
        product_theme(description) as theme
    from distinct_descriptions

),

final as (

    select
        descriptions.stock_code,
        descriptions.description,
        coalesce(classified.classification.category, 'Other') as category,
        cast(coalesce(classified.classification.confidence, 0) as decimal(5, 4))
            as category_confidence,
        classified.pack_size,
        classified.colour,
        classified.theme,
        product_classifier_version() as classifier_version
    from descriptions
    left join classified
        on descriptions.description = classified.description

)

select * from final
