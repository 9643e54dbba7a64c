"""The ingestion ``.dig`` workflows of one source, as Python data for ``digyaml.dump_dig``.

Task names are the spec's (§2.9). Differences from the original, on purpose (§5): every workflow
creates ``ingestion_log`` first; errors are logged per datasource (with its table) and per
workflow, with the message escaped; the incremental window is ``(watermark, session time]``; a
monthly batch whose earlier load was not logged SUCCESS is cleared before it is reloaded, so a
rerun after a failure does not duplicate rows (for families whose filter cdpo writes).
"""

from __future__ import annotations

from typing import Any

from cdpo.phases.ingestion.digyaml import Include
from cdpo.phases.ingestion.families import ConnectorType, WorkflowShape
from cdpo.phases.ingestion.model import SourceModel
from cdpo.phases.ingestion.timefmt import session_bound, watermark_sql

__all__ = ["source_workflows"]

_FIELD = '"${datasource.incremental_field}"'
_TABLE = "${target_database}.${datasource.table_name}"
# Families whose load filter cdpo writes itself (SQL query or row filter): their monthly batches
# can be cleared exactly before a reload. SaaS APIs filter by their own rules.
_CLEARABLE = {ConnectorType.FILE, ConnectorType.BIGQUERY, ConnectorType.SNOWFLAKE}


def source_workflows(source: SourceModel, src_database: str) -> dict[str, dict[str, Any]]:
    """Workflow name → ``.dig`` content for one source.

    Args:
        source: the source's model.
        src_database: the pipeline's src database, where ``ingestion_log`` lives.

    ``_export`` names databases literally: its values are not evaluated against each other
    (the tables' SQL still reads ``${databases.src}`` from ``config/database.yml``).
    """
    shape = source.family.shape
    if shape is WorkflowShape.FILES:
        return {source.workflows[0]: _files_workflow(source, src_database)}
    if shape is WorkflowShape.DUAL:
        name = source.workflows[0]
        body = {
            "+load_data": {
                "if>": '${typeof run_mode !== "undefined" && run_mode == "hist"}',
                "_do": _historical(source)
                if source.historical
                else {"+no_history": {"echo>": "no history"}},
                "_else_do": _incremental(source)
                if source.incremental
                else {"+no_increments": {"echo>": "no increments"}},
            }
        }
        return {name: _workflow(source, name, src_database, body)}
    workflows = {}
    for run in source.runs:
        body = _historical(source) if run.workflow.endswith("_hist") else _incremental(source)
        workflows[run.workflow] = _workflow(source, run.workflow, src_database, body)
    return workflows


def _workflow(
    source: SourceModel, name: str, src_database: str, body: dict[str, Any]
) -> dict[str, Any]:
    export: dict[Any, Any] = {Include("config/database.yml"): None}
    export[Include(f"config/{source.name}_datasources.yml")] = None
    if source.ranges:
        export[Include("config/hist_date_ranges.yml")] = None
    export |= _names(source, name, src_database)
    return {
        "timezone": "UTC",
        "_export": export,
        **_create_log(),
        **body,
        "_error": _workflow_error(),
    }


def _names(source: SourceModel, workflow: str, src_database: str) -> dict[str, Any]:
    return {
        "td": {"database": src_database},
        "source_name": source.name,
        "workflow_name": workflow,
        "target_database": source.database,
    }


def _create_log() -> dict[str, Any]:
    """The first task of every ingestion workflow (spec §5.10: the original never created it)."""
    return {"+create_ingestion_log": {"td>": "sql/create_ingestion_log_table.sql"}}


def _workflow_error() -> dict[str, Any]:
    return {"+log_ingestion_error": {"td>": "sql/log_ingestion_error.sql", "table_name": ""}}


def _datasource_error() -> dict[str, Any]:
    return {
        "+log_ingestion_error": {
            "td>": "sql/log_ingestion_error.sql",
            "table_name": "${datasource.table_name}",
        }
    }


def _log(kind: str, **params: Any) -> dict[str, Any]:
    return {"td>": f"sql/log_ingestion_{kind}.sql", **params}


def _create_table(with_field: bool) -> dict[str, Any]:
    columns = f"{_FIELD} VARCHAR, time BIGINT" if with_field else "time BIGINT"
    return {"td>": None, "query": f"CREATE TABLE IF NOT EXISTS {_TABLE} ({columns})"}


def _setup_table_and_time(source: SourceModel) -> dict[str, Any]:
    """Create the table, then read the window: (MAX(field) or the default start, session time]."""
    fmt = source.family.time_format
    end = session_bound(fmt)
    default = "'${datasource.default_start_time}'"
    watermark = (
        f"SELECT COALESCE((SELECT {watermark_sql(fmt, _FIELD)} FROM {_TABLE} WHERE {_FIELD} IS NOT NULL), "
        f"{default}) AS start_time, '{end}' AS end_time"
    )
    fixed = f"SELECT {default} AS start_time, '{end}' AS end_time"
    return {
        "if>": '${datasource.incremental_field != "" && datasource.incremental_field != null}',
        "_do": {
            "+create_incremental_table": _create_table(True),
            "+get_last_incremental_time": {
                "td>": None,
                "query": watermark,
                "store_last_results": True,
            },
        },
        "_else_do": {
            "+create_basic_table": _create_table(False),
            "+set_default_time": {"td>": None, "query": fixed, "store_last_results": True},
        },
    }


def _incremental(source: SourceModel) -> dict[str, Any]:
    table = "${datasource.table_name}"
    window = {
        "start_time": "${td.last_results.start_time}",
        "end_time": "${td.last_results.end_time}",
    }
    return {
        "+load_incremental_data": {
            "for_each>": {"datasource": "${inc_datasources}"},
            "_parallel": {"limit": source.family.parallel_limit},
            "_do": {
                "+log_ingestion_start": _log("start", table_name=table),
                "+setup_table_and_time": _setup_table_and_time(source),
                "+load_incremental": _load(window),
                "+log_ingestion_success": _log("success", table_name=table, **window),
                "_error": _datasource_error(),
            },
        }
    }


def _load(window: dict[str, str]) -> dict[str, Any]:
    return {
        "td_load>": "config/${datasource.config_file}",
        "database": "${target_database}",
        "table": "${datasource.table_name}",
        **window,
    }


_MONTH = "${source_name}_${date_range.month_name}"
_LOADED = (
    "SELECT COUNT(*) AS already_processed FROM ${databases.src}.ingestion_log "
    "WHERE workflow_name = '${workflow_name}' AND table_name = '${table_name}' "
    "AND status = 'SUCCESS'"
)


def _once(steps: dict[str, Any]) -> dict[str, Any]:
    """``steps`` unless ingestion_log already holds a SUCCESS for this workflow and table."""
    skip = "Skipping ${table_name} - already loaded successfully"
    return {
        "+check_load_status": {"td>": None, "query": _LOADED, "store_last_results": True},
        "+process_load": {
            "if>": "${td.last_results.already_processed == 0}",
            "_do": steps,
            "_else_do": {"+skip_load": {"echo>": skip}},
        },
    }


_BATCH_DONE = (
    "SELECT COUNT(*) AS already_processed FROM ${databases.src}.ingestion_log "
    f"WHERE source_name = '{_MONTH}' AND workflow_name = '${{workflow_name}}' "
    "AND table_name = '${datasource.table_name}' AND status = 'SUCCESS'"
)


def _batch(source: SourceModel) -> dict[str, Any]:
    """One monthly batch: log, (clear,) load, log; the month is its source_name (spec §4.19)."""
    table = "${datasource.table_name}"
    window = {"start_time": "${date_range.start_time}", "end_time": "${date_range.end_time}"}
    batch: dict[str, Any] = {
        "+log_batch_start": _log("start", table_name=table, source_name=_MONTH)
    }
    if source.settings.connector in _CLEARABLE:
        # Compared as instants, as the load compares them: values carry offsets and 'T'/' '
        # separators that a string comparison would misplace.
        instant = f"TD_TIME_PARSE(CAST({_FIELD} AS VARCHAR))"
        batch["+clear_batch"] = {
            "td>": None,
            "query": f"DELETE FROM {_TABLE} WHERE {instant} > TD_TIME_PARSE('${{date_range.start_time}}') "
            f"AND {instant} <= TD_TIME_PARSE('${{date_range.end_time}}')",
        }
    batch["+load_batch"] = _load(window)
    batch["+log_batch_success"] = _log("success", table_name=table, source_name=_MONTH, **window)
    return batch


def _historical(source: SourceModel) -> dict[str, Any]:
    skip = "Skipping ${date_range.month_name} for ${datasource.table_name} - already processed successfully"
    batches = {
        "for_each>": {"date_range": "${date_ranges." + source.name + "}"},
        "_parallel": {"limit": 3},
        "_do": {
            "+check_batch_status": {"td>": None, "query": _BATCH_DONE, "store_last_results": True},
            "+process_batch": {
                "if>": "${td.last_results.already_processed == 0}",
                "_do": _batch(source),
                "_else_do": {"+skip_batch": {"echo>": skip}},
            },
        },
    }
    return {
        "+load_historical_data": {
            "for_each>": {"datasource": "${hist_datasources}"},
            "_parallel": True,
            "_do": {
                "+log_ingestion_start": _log("start", table_name="${datasource.table_name}"),
                "+setup_table": _create_table(True),
                "+load_monthly_batches": batches,
                "+log_ingestion_success": _log("success_2", table_name="${datasource.table_name}"),
                "_error": _datasource_error(),
            },
        }
    }


def _files_workflow(source: SourceModel, src_database: str) -> dict[str, Any]:
    """SFTP-style sources: one load per object, each logged with its own table (spec §4.8 fix).

    An object with a ``history_path`` first loads that history export into ``{table}_hist``,
    once (a SUCCESS in ingestion_log skips it, as the monthly batches of the other sources do),
    so hist-union pairs it with the incremental files' table.
    """
    name = source.workflows[0]
    body: dict[str, Any] = {}
    for item in (*source.historical, *source.incremental):
        obj = next(o for o in source.settings.objects if o.name == item.name)
        history = item in source.historical
        load = {
            "td_load>": f"config/{item.config_file}",
            "database": "${target_database}",
            "table": item.table_name,
            "file_path": obj.history_path if history else obj.path,
            "mode": item.mode,
        }
        steps = {
            "+log_ingestion_start": _log("start"),
            "+load": load,
            "+log_ingestion_success": _log("success"),
        }
        body[f"+load_{item.table_name}"] = {
            "_export": {"table_name": item.table_name, "start_time": "", "end_time": ""},
            **(_once(steps) if history else steps),
            "_error": {"+log_ingestion_error": {"td>": "sql/log_ingestion_error.sql"}},
        }
    export: dict[Any, Any] = {
        Include("config/database.yml"): None,
        **_names(source, name, src_database),
    }
    return {
        "timezone": "UTC",
        "_export": export,
        **_create_log(),
        **body,
        "_error": _workflow_error(),
    }
