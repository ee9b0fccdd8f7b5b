"""dbt plugin: plain `dbt run` / `dbt build` get the project's SparkSession, UDFs included.

dbt imports every installed top-level module whose name starts with `dbt_` and instantiates
the classes in its `plugins` list when a command starts. For a target of dbt-spark's
`session` method, this one builds the session through `retail_analytics.spark.get_spark`
(the project's only way to build one) before dbt-spark asks for it: dbt-spark then reuses
it (`getOrCreate`), so the warehouse, metastore and UDFs are the project's.
"""

from __future__ import annotations

from dbt.plugins.manager import dbtPlugin

PROJECT_NAME = "retail_analytics"
# Commands that never open a connection: no need to start a JVM for them.
NO_SPARK_COMMANDS = {"parse", "list", "ls", "clean", "deps", "init", "debug"}


class RetailSparkSession(dbtPlugin):
    """Builds the embedded SparkSession for session-method targets of this project."""

    def initialize(self) -> None:
        if self.project_name != PROJECT_NAME:
            return
        profile = _active_profile()
        if profile is None or getattr(profile.credentials, "method", None) != "session":
            return  # thrift and other methods connect to a server that has its own session
        if _command() in NO_SPARK_COMMANDS:
            return
        from retail_analytics.spark import SparkSettings, get_spark

        extra = {str(k): str(v) for k, v in profile.credentials.server_side_parameters.items()}
        get_spark(SparkSettings.from_env(extra=extra))


def _active_profile():
    """The profile dbt resolved for this invocation (target applied), or None."""
    import click

    ctx = click.get_current_context(silent=True)
    return ctx.obj.get("profile") if ctx is not None and ctx.obj else None


def _command() -> str | None:
    from dbt.flags import get_flags

    return getattr(get_flags(), "WHICH", None)


plugins = [RetailSparkSession]
