-- What was loaded from which file, and what was refused and why: one row per load and
-- reject reason. `dbt compile -s load_audit` writes the SQL to target/compiled/.
with

load_log as (

    select * from {{ source('online_retail', 'load_log') }}

),

rejects as (

    select * from {{ source('online_retail', 'rejects') }}
    where _load_id in ({{ committed_load_ids() }})

),

rejects_by_reason as (

    select
        _load_id as load_id,
        reason,
        count(*) as line_count
    from rejects
    group by 1, 2

),

final as (

    select
        load_log.dataset,
        load_log.source_file,
        load_log.source_layout,
        load_log.finished_at,
        load_log.rows_read,
        load_log.rows_loaded,
        load_log.rows_rejected,
        load_log.rows_duplicate,
        rejects_by_reason.reason,
        rejects_by_reason.line_count as rejected_for_reason
    from load_log
    left join rejects_by_reason
        on load_log.load_id = rejects_by_reason.load_id

)

select * from final
order by 3, 1
