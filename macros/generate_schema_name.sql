{#
    Models land in the schema their folder names (staging, intermediate, marts_audit,
    reference), not in `<target schema>_<name>`: the embedded warehouse holds one environment,
    and BI reads the published `marts` by that name. A target not in `publish_targets` (a
    developer's) gets its own prefixed schemas, `<target>_<name>`, so it never writes over
    what the shared build audits and publishes. Models without a custom schema use the
    target's.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name in var("publish_targets") -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.name }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
