{#
    on-run-start: finish a publication that a killed process left half done (pins written,
    views maybe partly switched, no `publications` row). Every pin of it passed its tests, so
    it is rolled forward, and logged as `publish (recovered)`.
#}
{% macro recover_publication() -%}
    {%- if not execute or target.name not in var("publish_targets")
        or flags.WHICH not in ("build", "test", "run", "seed", "retry", "run-operation") -%}
        {{ return("") }}
    {%- endif -%}
    {% do ensure_publish_log() %}
    {%- set log_schema = var("publish_log_schema") -%}
    {%- set orphans = run_query(
        "select m.publication_id, m.mart, m.source_table, m.source_version"
        ~ " from " ~ log_schema ~ ".published_marts as m"
        ~ " left anti join " ~ log_schema ~ ".publications as p"
        ~ " on m.publication_id = p.publication_id"
        ~ " order by m.publication_id, m.mart"
    ) -%}
    {%- set by_publication = {} -%}
    {%- for row in orphans.rows -%}
        {%- do by_publication.setdefault(row[0], []).append([row[1], row[2], row[3]]) -%}
    {%- endfor -%}
    {%- for publication_id, pins in by_publication.items() -%}
        {% do log("publish: finishing publication " ~ publication_id ~ " (" ~ pins | length
            ~ " marts), interrupted before it was recorded", info=true) %}
        {%- for mart, source_table, version in pins -%}
            {% do point_published_view(mart, source_table, version) %}
        {%- endfor -%}
        {% do run_query(
            "insert into " ~ log_schema ~ ".publications values ('" ~ publication_id
            ~ "', 'publish (recovered)', '" ~ invocation_id ~ "', '" ~ flags.WHICH ~ "', '"
            ~ target.name ~ "', current_timestamp(), " ~ pins | length ~ ", null, null,"
            ~ " 'rolled forward after an interrupted publish')"
        ) %}
    {%- endfor -%}
{%- endmacro %}
