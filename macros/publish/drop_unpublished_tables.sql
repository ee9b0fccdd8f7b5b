{#
    Before the first publish into a lake built by an older version of this project, `marts`
    holds plain tables where the views go: drop those (only those among `marts`), once.
#}
{% macro drop_unpublished_tables(marts) -%}
    {%- set schema = var("published_schema") -%}
    {%- set tables = run_query("show tables in " ~ schema).columns["tableName"].values() -%}
    {%- set views = run_query("show views in " ~ schema).columns["viewName"].values() -%}
    {%- for name in tables if name in marts and name not in views -%}
        {% do log("publish: replacing the table " ~ schema ~ "." ~ name
            ~ " of an earlier layout by its published view", info=true) %}
        {% do run_query("drop table " ~ schema ~ "." ~ name) %}
    {%- endfor -%}
{%- endmacro %}
