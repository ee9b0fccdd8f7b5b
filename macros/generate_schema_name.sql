{#
    Models land in the schema their folder names (staging, intermediate, marts, reference),
    not in `<target schema>_<name>`: the embedded warehouse holds one environment, and BI
    tools connect to `marts` by that name. Models without a custom schema use the target's.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
