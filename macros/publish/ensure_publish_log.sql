{#
    The publish log: `publications` (one row per publish, rollback or withheld build; a
    publication exists once its row does) and `published_marts` (the mart -> audited table
    version pins a publication set). Both Delta tables in the `publish` schema.
#}
{% macro ensure_publish_log() -%}
    {% do run_query("create schema if not exists " ~ var("publish_log_schema")) %}
    {% do run_query(
        "create table if not exists " ~ var("publish_log_schema") ~ ".publications ("
        ~ " publication_id string, action string, build_id string, dbt_command string,"
        ~ " target_name string, published_at timestamp, marts int, tests_passed int,"
        ~ " undoes string, note string) using delta"
        ~ " comment 'Write-audit-publish: one row per publish, rollback or withheld build'"
    ) %}
    {% do run_query(
        "create table if not exists " ~ var("publish_log_schema") ~ ".published_marts ("
        ~ " publication_id string, mart string, source_table string, source_version bigint)"
        ~ " using delta"
        ~ " comment 'Write-audit-publish: the audited table version each publication pins'"
    ) %}
{%- endmacro %}
