"""Build the curated tables: run dbt on a target and publish the results.

    core.py        build(): dbt build on a target, then the local Parquet export
    dbt_runner.py  dbt in a subprocess: progress, run_results.json
    parquet.py     the local curated tables as Parquet, partitioned by cohort
    report.py      the run report (report.html) in the run's folder
    docs_site.py   the dbt docs site of a namespace (`recover docs`)

Reads the lake through recover.lake; never writes the raw zone.
"""

from recover.build.core import ATHENA_TARGETS, LOCAL, TARGETS, BuildResult, build, dbt_env

__all__ = ["ATHENA_TARGETS", "LOCAL", "TARGETS", "BuildResult", "build", "dbt_env"]
