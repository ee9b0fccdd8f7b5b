{#
    Incremental builds by invoice month (see the docs block `incremental_by_month`).

    The line-level models and the aggregates that never cross a month are Delta tables
    partitioned by month, built with dbt's `insert_overwrite`: an incremental build rewrites
    whole month partitions and leaves the others as they are (dynamic partition overwrite).
    Which months:
    - staging: the months holding rows of committed loads it has not read yet
      (`months_of_new_loads`); an invoice loads once, from one file (ingest's dedupe unit), so
      those months hold every line of every invoice the new loads brought;
    - every model after it: the months its parent rewrote since this model's last build,
      read from the parent's `_built_at` (`months_rebuilt_in`).
    The month lists are literals in the model's SQL, so Spark reads only those partitions.
#}

{#- The months (as 'YYYY-MM-DD' strings) of the rows of committed loads not yet in this
    staging table. #}
{% macro months_of_new_loads() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set new_loads_sql -%}
        select load_id from {{ source('online_retail', 'load_log') }}
        where dataset = 'transactions' and load_id in ({{ committed_load_ids() }})
        except
        select distinct load_id from {{ this }}
    {%- endset -%}
    {%- set new_loads = run_query(new_loads_sql).columns[0].values() | list -%}
    {%- set months = [] -%}
    {%- if new_loads | length > 0 -%}
        {#- (a load whose every line was rejected has no rows: it stays "new", and adds none) -#}
        {%- set months_sql -%}
            select distinct cast(invoice_month as string) as invoice_month
            from {{ source('online_retail', 'transactions') }}
            where _load_id in ({{ quoted_list(new_loads) }})
        {%- endset -%}
        {%- set months = run_query(months_sql).columns[0].values() | list | sort -%}
    {%- endif -%}
    {{ log_months(months, " of new loads: ", ", no new lines loaded") }}
    {{ return(months) }}
{%- endmacro %}

{#- The months (as 'YYYY-MM-DD' strings) of `parent`'s partitions written after this
    model's last build. #}
{% macro months_rebuilt_in(parent, column='invoice_month') -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set months_sql -%}
        select distinct cast({{ column }} as string) as month
        from {{ parent }}
        where _built_at > (
            select coalesce(max(_built_at), timestamp '1900-01-01') from {{ this }}
        )
    {%- endset -%}
    {%- set months = run_query(months_sql).columns[0].values() | list | sort -%}
    {{ log_months(months, ": ", "") }}
    {{ return(months) }}
{%- endmacro %}

{#- A predicate keeping `column`'s rows in `months` ('YYYY-MM-DD' strings); false if none. #}
{% macro in_months(column, months) -%}
    {%- if months | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for month in months -%}
            date '{{ month }}'{{ ", " if not loop.last }}
        {%- endfor %})
    {%- endif -%}
{%- endmacro %}

{#- A predicate keeping the rows of the months `parent` rewrote since this model's last build. #}
{% macro only_months_rebuilt_in(parent, column='invoice_month') -%}
    {{ in_months(column, months_rebuilt_in(parent, column)) }}
{%- endmacro %}

{#- Say which months a build rewrites (not when `docs generate` or `compile` compiles it). #}
{% macro log_months(months, before_list, if_none) -%}
    {%- if flags.WHICH in ('run', 'build') -%}
        {{ log(this.identifier ~ ": rebuilding " ~ months | length ~ " month(s)"
            ~ (before_list ~ months | join(", ") if months else if_none), info=true) }}
    {%- endif -%}
{%- endmacro %}

{% macro quoted_list(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
