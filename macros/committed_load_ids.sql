{#
    The ids of the loads whose rows are visible: those with a row in `raw.load_log` of a
    committed status. `retail ingest` writes a file's rows first and its log row last, so
    rows of a load killed half-way (no log row yet) are never read. Every model reading a
    raw table filters on it: `where _load_id in ({{ committed_load_ids() }})`.
    The statuses are `retail_analytics.lake.COMMITTED_STATUSES` (a pytest checks they agree).
#}
{% macro committed_load_ids() -%}
    select load_id from {{ source('online_retail', 'load_log') }}
    where status in ('loaded', 'partly rejected', 'rejected')
{%- endmacro %}
