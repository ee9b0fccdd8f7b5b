{#
    on-run-end of `dbt build` / `dbt test`: write-audit-publish's publish step.

    dbt writes the marts into the audit schema (`marts_audit`), where BI does not read, and
    tests them there. Only when every node of the run succeeded and every test of a mart ran
    and passed is that mart published: the view `marts.<mart>` is pointed at the table version
    that was tested. Anything failed leaves every published view as it was, and the run is
    logged as withheld with the failures named. Development targets never publish.
#}
{% macro publish_marts(results) -%}
    {%- if not execute -%}{{ return("") }}{%- endif -%}
    {%- if target.name not in var("publish_targets") -%}
        {% do log("publish: target `" ~ target.name ~ "` is a development target"
            ~ " (publish_targets: " ~ var("publish_targets") | join(", ")
            ~ "); the published marts are unchanged", info=true) %}
        {{ return("") }}
    {%- endif -%}
    {%- set audit_marts = {} -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == "model" and node.fqn[1] == "marts" and node.config.enabled -%}
        {%- do audit_marts.update({node.unique_id: node}) -%}
    {%- endfor -%}
    {#- a mart's tests: those declared on it (a generic test belongs to the model it is
        declared on: a relationships test checks the child's key, not the parent), and every
        singular test that reads it -#}
    {%- set tests_of = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == "test" and node.config.enabled -%}
        {%- set owners = [node.attached_node] if node.attached_node else node.depends_on.nodes -%}
        {%- for parent in owners if parent in audit_marts -%}
            {%- do tests_of.setdefault(parent, []).append(node.unique_id) -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set status_of = {} -%}
    {%- set failures = [] -%}
    {%- for result in results -%}
        {%- do status_of.update({result.node.unique_id: result.status | string}) -%}
        {%- if (result.status | string) in ("error", "fail", "skipped", "runtime error") -%}
            {%- do failures.append(result.node.name ~ " (" ~ result.status ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set tests_passed = status_of.values() | select("in", ["pass", "warn"]) | list | length -%}

    {#- the marts this run built or tested -#}
    {%- set touched = [] -%}
    {%- for unique_id in audit_marts
        if unique_id in status_of
        or tests_of.get(unique_id, []) | select("in", status_of) | list -%}
        {%- do touched.append(unique_id) -%}
    {%- endfor -%}
    {%- if not touched -%}{{ return("") }}{%- endif -%}

    {% do ensure_publish_log() %}
    {%- set publication_id = invocation_id -%}
    {%- if failures -%}
        {% do log("publish: WITHHELD. " ~ failures | length ~ " node(s) of this run failed: "
            ~ failures[:10] | join(", ") ~ ("" if failures | length <= 10 else ", ...")
            ~ ". The published marts are unchanged.", info=true) %}
        {% do record_publication(publication_id, "withheld", [], tests_passed,
            note="failed: " ~ failures | join(", ")) %}
        {{ return("") }}
    {%- endif -%}
    {%- if flags.WHICH not in ("build", "test", "retry") -%}
        {% do log("publish: `dbt " ~ flags.WHICH ~ "` runs no tests, so nothing is published;"
            ~ " `dbt build` (or `dbt test` after it) publishes what passes", info=true) %}
        {{ return("") }}
    {%- endif -%}

    {%- set pins = [] -%}
    {%- set untested = [] -%}
    {%- for unique_id in touched -%}
        {%- set node = audit_marts[unique_id] -%}
        {%- set missing = tests_of.get(unique_id, []) | reject("in", status_of) | list -%}
        {%- if missing -%}
            {%- do untested.append(node.name ~ " (" ~ missing | length ~ " tests not run)") -%}
        {%- else -%}
            {%- set source_table = node.schema ~ "." ~ node.alias -%}
            {%- set history = run_query("describe history " ~ source_table ~ " limit 1") -%}
            {%- set version = history.columns["version"].values()[0] -%}
            {%- do pins.append([node.alias, source_table, version]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if untested -%}
        {% do log("publish: not published, their tests were not all selected: "
            ~ untested | join(", "), info=true) %}
    {%- endif -%}
    {%- if pins -%}
        {% do log("publish: publishing " ~ pins | length ~ " marts (every test of the run"
            ~ " passed: " ~ tests_passed ~ ")", info=true) %}
        {% do record_publication(publication_id, "publish", pins, tests_passed) %}
        {% do log("publish: published " ~ pins | length ~ " marts into `"
            ~ var("published_schema") ~ "` as publication " ~ publication_id, info=true) %}
    {%- endif -%}
{%- endmacro %}
