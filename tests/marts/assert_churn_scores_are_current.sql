-- A warning, not an error: the churn mart's scores were taken at the last day of data.
-- After a `dbt build` on newly loaded data and before `retail train`, the scores are those
-- of the previous data: this warns, once, with the cutoff scored and the data's last day
-- (`retail run` trains after its build, so its rebuild of the mart passes).
{{ config(severity='warn') }}

with

scored as (

    select max(scored_as_of) as scored_as_of from {{ ref('fct_customer_churn_risk') }}

),

months as (

    select max(data_end_date) as last_day from {{ ref('int_calendar_months') }}

)

select
    scored.scored_as_of,
    months.last_day
from scored
cross join months
where scored.scored_as_of < months.last_day
