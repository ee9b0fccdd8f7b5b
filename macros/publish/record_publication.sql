{#
    Apply `pins` (a list of [mart, source_table, version]) as one publication: the pins are
    written first, then the views switched, then the `publications` row, which commits it.
    A process killed before that row leaves pins without a publication, which
    `recover_publication` (on-run-start) finishes: every pin it holds passed its tests.
#}
{% macro record_publication(
    publication_id, action, pins, tests_passed=0, undoes=none, note=none
) -%}
    {%- set log_schema = var("publish_log_schema") -%}
    {%- if pins -%}
        {%- set rows = [] -%}
        {%- for mart, source_table, version in pins -%}
            {%- do rows.append("('" ~ publication_id ~ "', '" ~ mart ~ "', '" ~ source_table
                ~ "', " ~ version ~ ")") -%}
        {%- endfor -%}
        {% do run_query(
            "insert into " ~ log_schema ~ ".published_marts values " ~ rows | join(", ")
        ) %}
        {% do run_query("create schema if not exists " ~ var("published_schema")) %}
        {% do drop_unpublished_tables(pins | map(attribute=0) | list) %}
        {%- for mart, source_table, version in pins -%}
            {% do point_published_view(mart, source_table, version) %}
            {% do log("publish: " ~ var("published_schema") ~ "." ~ mart ~ " -> "
                ~ source_table ~ " version " ~ version, info=true) %}
        {%- endfor -%}
    {%- endif -%}
    {% do run_query(
        "insert into " ~ log_schema ~ ".publications values ('" ~ publication_id ~ "', '"
        ~ action ~ "', '" ~ invocation_id ~ "', '" ~ flags.WHICH ~ "', '" ~ target.name
        ~ "', current_timestamp(), " ~ pins | length ~ ", " ~ tests_passed ~ ", "
        ~ ("'" ~ undoes ~ "'" if undoes else "null") ~ ", "
        ~ ("'" ~ note | replace("'", "") ~ "'" if note else "null") ~ ")"
    ) %}
{%- endmacro %}
