-- The rfm_segments seed maps each of the 125 score cells exactly once, so no scored
-- customer can fall out of fct_customer_rfm for want of a segment.
with

segments as (

    select * from {{ ref('rfm_segments') }}

),

scores as (

    select explode(sequence(1, 5)) as score

),

cells as (

    select concat(r.score, f.score, m.score) as rfm_cell
    from scores as r
    cross join scores as f
    cross join scores as m

),

final as (

    select
        cells.rfm_cell,
        count(segments.rfm_cell) as mappings
    from cells
    left join segments
        on
            cells.rfm_cell = segments.rfm_cell
            and segments.rfm_cell = concat(segments.r_score, segments.f_score, segments.m_score)
    group by 1

)

select * from final
where mappings != 1
