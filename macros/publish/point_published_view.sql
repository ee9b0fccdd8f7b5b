{#
    Point the BI-facing view `<published schema>.<mart>` at one audited, immutable version of
    its table (Delta time travel). Replacing a view is one metastore operation: a reader sees
    the old version or the new one, never a missing or half-written table.
#}
{% macro point_published_view(mart, source_table, source_version) -%}
    {% do run_query(
        "create or replace view " ~ var("published_schema") ~ "." ~ mart
        ~ " comment 'Published by write-audit-publish: " ~ source_table
        ~ " version " ~ source_version ~ ", which passed every test of its build'"
        ~ " as select * from " ~ source_table ~ " version as of " ~ source_version
    ) %}
{%- endmacro %}
