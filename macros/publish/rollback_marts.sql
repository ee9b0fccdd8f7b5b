{#
    `dbt run-operation rollback_marts` (or `retail rollback`): undo the latest publication
    that is not undone yet: each mart it published is pointed back at the version it had
    just before it (time travel on the audited tables). Logged as a `rollback` publication.
#}
{% macro rollback_marts() -%}
    {% do recover_publication() %}
    {%- set log_schema = var("publish_log_schema") -%}
    {%- set latest = run_query(
        "select publication_id, published_at from " ~ log_schema ~ ".publications"
        ~ " where action like 'publish%' and publication_id not in ("
        ~ "   select undoes from " ~ log_schema ~ ".publications where undoes is not null)"
        ~ " order by published_at desc limit 1"
    ) -%}
    {%- if not latest.rows -%}
        {{ exceptions.raise_compiler_error(
            "rollback: nothing has been published, so there is nothing to roll back") }}
    {%- endif -%}
    {%- set undone_id = latest.rows[0][0] -%}
    {%- set previous = run_query(
        "with marts as (select mart from " ~ log_schema ~ ".published_marts"
        ~ "   where publication_id = '" ~ undone_id ~ "'),"
        ~ " earlier as ("
        ~ "   select m.mart, m.source_table, m.source_version, row_number() over ("
        ~ "     partition by m.mart order by p.published_at desc) as recency"
        ~ "   from " ~ log_schema ~ ".published_marts as m"
        ~ "   inner join " ~ log_schema ~ ".publications as p"
        ~ "     on m.publication_id = p.publication_id"
        ~ "   where p.published_at < timestamp'" ~ latest.rows[0][1] ~ "')"
        ~ " select marts.mart, earlier.source_table, earlier.source_version"
        ~ " from marts left join earlier on marts.mart = earlier.mart and earlier.recency = 1"
        ~ " order by marts.mart"
    ) -%}
    {%- set pins = [] -%}
    {%- set first_time = [] -%}
    {%- for row in previous.rows -%}
        {%- if row[1] is none -%}
            {%- do first_time.append(row[0]) -%}
        {%- else -%}
            {%- do pins.append([row[0], row[1], row[2]]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if first_time -%}
        {{ exceptions.raise_compiler_error("rollback: publication " ~ undone_id
            ~ " was the first to publish " ~ first_time | join(", ")
            ~ "; there is no earlier version to go back to") }}
    {%- endif -%}
    {% do record_publication(invocation_id, "rollback", pins, undoes=undone_id,
        note="rolled back publication " ~ undone_id) %}
    {% do log("rollback: " ~ pins | length ~ " marts back to the versions they had before"
        ~ " publication " ~ undone_id, info=true) %}
{%- endmacro %}
