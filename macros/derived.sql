{#-
  Derived columns (the registry's `derived`: rule and source fields), computed in the curated
  parent from the de-duplicated row's typed fields. Each rule is a few lines of portable SQL.
    birth_year(dob, enrolled)   year of birth; NULL for anyone 90 or older at enrolment
    age_at(dob, enrolled)       whole years at enrolment, top-coded at 90
    zip3(code)                  first three digits of a 5-digit US ZIP; '000' for the areas in
                                seeds/restricted_zip3.csv; NULL otherwise
    round1(x)                   x rounded to one decimal
    epoch_utc(s)                Unix epoch seconds as a UTC timestamp
    epoch_local(s, offset)      s + offset seconds: local wall-clock time, as a timestamp
-#}
{% macro recover_derived(d) -%}
    {%- set args = [] -%}
    {%- for source in d.sources -%}{%- do args.append(adapter.quote(source)) -%}{%- endfor -%}
    {%- if d.rule == 'birth_year' -%}
        case when {{ recover_whole_years(args[0], args[1]) }} < 90 then cast(year({{ args[0] }}) as bigint) end
    {%- elif d.rule == 'age_at' -%}
        {#- not least(): DuckDB's ignores NULLs -#}
        case when {{ recover_whole_years(args[0], args[1]) }} >= 90 then cast(90 as bigint)
             else {{ recover_whole_years(args[0], args[1]) }} end
    {%- elif d.rule == 'zip3' -%}
        case when {{ recover_regexp_like(args[0], '^[0-9]{5}(-[0-9]{4})?$') }} then
            case when substr({{ args[0] }}, 1, 3) in (select zip3 from {{ ref('restricted_zip3') }})
                 then '000' else substr({{ args[0] }}, 1, 3) end
        end
    {%- elif d.rule == 'round1' -%}
        round({{ args[0] }}, 1)
    {%- elif d.rule == 'epoch_utc' -%}
        {{ recover_epoch_timestamp(args[0]) }}
    {%- elif d.rule == 'epoch_local' -%}
        {{ recover_epoch_timestamp(args[0] ~ ' + ' ~ args[1]) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown derived rule '" ~ d.rule ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- Whole years from `born` to `at` (both dates or timestamps). -#}
{% macro recover_whole_years(born, at) -%}
    cast(year({{ at }}) - year({{ born }})
         - case when month({{ at }}) * 100 + day({{ at }}) < month({{ born }}) * 100 + day({{ born }}) then 1 else 0 end
    as bigint)
{%- endmacro %}


{#- Unix epoch seconds -> timestamp without time zone, in UTC. -#}
{% macro recover_epoch_timestamp(expr) %}{{ return(adapter.dispatch('recover_epoch_timestamp', 'recover')(expr)) }}{% endmacro %}

{% macro duckdb__recover_epoch_timestamp(expr) -%}
    cast(to_timestamp({{ expr }}) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro default__recover_epoch_timestamp(expr) -%}
    cast(from_unixtime({{ expr }}, 'UTC') as timestamp(3))
{%- endmacro %}
