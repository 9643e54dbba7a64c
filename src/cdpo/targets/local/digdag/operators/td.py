"""Treasure Data operators as thin wrappers of the local warehouse: ``td>``, ``td_ddl>``,
``td_for_each>``, ``td_wait>``, ``td_wait_table>``, ``td_table_export>`` and ``td_load>``.

Options follow https://docs.digdag.io/operators/td.html and its siblings; like Digdag's
``TdOperator``, each reads its options from the task params merged over the ``td:`` namespace
(``_export: {td: {database: x}}``). Outputs are stored under ``td.*`` as Digdag stores them.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError, UnsupportedOperatorError, WorkflowError
from cdpo.targets.local.digdag.context import OperatorContext, OperatorResult
from cdpo.targets.local.digdag.operators.control import parse_duration, with_export

__all__ = ["TD_OPERATORS"]

# One task at a time touches the DuckDB file: DuckDB allows one writer per file.
_WAREHOUSE_LOCK = threading.Lock()
_JOB_IDS = itertools.count(int(time.time()) % 1_000_000 * 1000)
_EXPORT_FORMATS = {
    "jsonl.gz": "jsonl",
    "json.gz": "jsonl",
    "jsonl": "jsonl",
    "tsv.gz": "tsv",
    "tsv": "tsv",
    "csv.gz": "csv",
    "csv": "csv",
    "parquet": "parquet",
}


def _options(ctx: OperatorContext) -> dict[str, Any]:
    """The task params merged over the ``td`` namespace, as Digdag's TdOperator reads them."""
    td = ctx.config.get("td")
    return {**(td if isinstance(td, Mapping) else {}), **ctx.config}


@contextmanager
def open_warehouse(ctx: OperatorContext) -> Iterator[Any]:
    if ctx.settings.warehouse is None:
        raise WorkflowError("this run has no warehouse file", task=ctx.task_name)
    with _WAREHOUSE_LOCK:
        yield ctx.settings.warehouse_for(int(ctx.config.get("session_unixtime", 0)) or None)


def _database(options: Mapping[str, Any], ctx: OperatorContext) -> str:
    database = options.get("database")
    if not database:
        raise ConfigError(
            f"{ctx.raw.get('_type')}>: 'database' is not set",
            field=ctx.task_name,
            hint="Set `database:` on the task or `_export: {td: {database: name}}`.",
        )
    return str(database)


def _query(ctx: OperatorContext, options: Mapping[str, Any]) -> str:
    """The SQL of a query operator: the file named by the command, else ``query:``; templated."""
    if ctx.command not in (None, ""):
        path = ctx.path(str(ctx.command))
        if not path.is_file():
            raise ConfigError(
                f"{ctx.raw.get('_type')}>: file not found: {ctx.command}",
                field=ctx.task_name,
                hint="Paths are relative to the workflow file's directory.",
            )
        return ctx.render_file(str(ctx.command))
    if options.get("query"):
        return str(options["query"])
    raise ConfigError(
        f"{ctx.raw.get('_type')}> needs a query file or `query:`", field=ctx.task_name
    )


def _engine(options: Mapping[str, Any]) -> str:
    return str(options.get("engine", "presto")).lower()


def _job(
    ctx: OperatorContext, num_records: int, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    job_id = str(next(_JOB_IDS))
    ctx.log(f"job {job_id}: {num_records} records")
    return {
        "td": {
            "last_job_id": job_id,
            "last_job": {"id": job_id, "num_records": num_records},
            **(extra or {}),
        }
    }


def _check_query_file(task: Any, workflow: Any, project: Any) -> list[ConfigError]:
    command = task.config.get("_command")
    if not command or "${" in str(command):
        return []
    path = Path(task.file or workflow.file).parent / str(command)
    if path.is_file():
        return []
    return [
        ConfigError(
            f"{task.operator}>: file not found: {command}",
            file=task.file,
            line=task.line,
            hint="Paths are relative to the workflow file's directory.",
        )
    ]


# td> options that send results outside TD (https://docs.digdag.io/operators/td.html): no local
# destination exists for them, so they are refused rather than silently skipped.
UNSUPPORTED_TD_OPTIONS = ("result_url", "result_connection", "result_settings")


def _unsupported_options(options: Mapping[str, Any]) -> list[str]:
    return [name for name in UNSUPPORTED_TD_OPTIONS if options.get(name) is not None]


class Td:
    def check(self, task: Any, workflow: Any, project: Any) -> list[ConfigError]:
        problems = _check_query_file(task, workflow, project)
        for name in _unsupported_options(task.config):
            problems.append(
                UnsupportedOperatorError(
                    f"td>: option '{name}' (export of results to another system) is not supported "
                    "by the local runtime",
                    file=task.file,
                    line=task.line,
                    hint="Export with td_table_export> or a later task instead.",
                )
            )
        return problems

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.warehouse import plan_td, run_td_job

        options = _options(ctx)
        if unsupported := _unsupported_options(ctx.config):
            raise UnsupportedOperatorError(
                f"td>: option '{unsupported[0]}' is not supported locally", field=ctx.task_name
            )
        planned = plan_td(
            _query(ctx, options),
            database=_database(options, ctx),
            engine=_engine(options),
            create_table=options.get("create_table"),
            insert_into=options.get("insert_into"),
            store_last_results=_flag(options.get("store_last_results")),
        )
        with open_warehouse(ctx) as wh:
            job = run_td_job(wh, planned)
        if _flag(options.get("preview")):
            ctx.log("\n".join(str(row) for row in job.result.rows[:20]))
        if options.get("download_file"):
            _download(ctx.path(str(options["download_file"])), job.result)
        # As TdOperatorFactory: td.last_results is stored only when asked, so an earlier
        # store_last_results stays visible through later td> tasks that do not ask.
        asked = _flag(options.get("store_last_results"))
        results = {"last_results": job.last_results} if asked else {}
        return OperatorResult(store=_job(ctx, job.num_records, results))


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def _download(path: Path, result: Any) -> None:
    """``download_file``: the result as CSV with a header, as td> writes it."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(result.columns)
        writer.writerows(result.rows)


class TdDdl:
    _KEYS = (
        "drop_databases",
        "create_databases",
        "empty_databases",
        "drop_tables",
        "create_tables",
        "empty_tables",
        "rename_tables",
    )

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.warehouse import run_td_ddl

        options = _options(ctx)
        actions = {key: options[key] for key in self._KEYS if options.get(key) is not None}
        for key, value in actions.items():
            ctx.log(f"{key}: {value}")
        with open_warehouse(ctx) as wh:
            run_td_ddl(wh, database=options.get("database"), **actions)
        return OperatorResult()


class TdForEach:
    check = staticmethod(_check_query_file)

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.warehouse import for_each_rows

        options = _options(ctx)
        sql = _query(ctx, options)
        with open_warehouse(ctx) as wh:
            rows = for_each_rows(wh, sql, database=_database(options, ctx), engine=_engine(options))
        body = ctx.raw.get("_do")
        if not isinstance(body, Mapping):
            raise ConfigError("td_for_each> needs a `_do:` mapping of tasks", field=ctx.task_name)
        children = {
            f"+td-for-each-{i}": with_export(body, {"td": {"each": row}})
            for i, row in enumerate(rows)
        }
        parallel = ctx.config.get("_parallel")
        return OperatorResult(
            subtasks={**({"_parallel": parallel} if parallel else {}), **children}
        )


def _poll(ctx: OperatorContext, options: Mapping[str, Any], condition: Any) -> OperatorResult:
    """Check ``condition(wh)`` every ``interval`` (default 30s) until true; locally give up after
    ``timeout`` (default: one check), since no other writer changes the local warehouse.
    """
    interval = parse_duration(options.get("interval", "30s"), "interval")
    deadline = time.monotonic() + parse_duration(options.get("timeout", "0s"), "timeout")
    while True:
        with open_warehouse(ctx) as wh:
            if condition(wh):
                return OperatorResult()
        if time.monotonic() + interval > deadline:
            raise WorkflowError(
                "the wait condition is still false",
                task=ctx.task_name,
                hint="Locally nothing else writes the warehouse; set `timeout:` to keep polling.",
            )
        if not ctx.wait(interval):
            raise WorkflowError("killed while waiting", task=ctx.task_name)


class TdWait:
    """``td_wait>: q.sql``: waits until the query's first value is true (see ``_poll``)."""

    check = staticmethod(_check_query_file)

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.warehouse import wait_condition

        options = _options(ctx)
        sql, database, engine = _query(ctx, options), _database(options, ctx), _engine(options)
        return _poll(
            ctx, options, lambda wh: wait_condition(wh, sql, database=database, engine=engine)
        )


class TdWaitTable:
    """``td_wait_table>: table`` with ``rows: N``: waits until the table exists with N rows."""

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.warehouse import tables

        options = _options(ctx)
        database, wanted = _database(options, ctx), int(options.get("rows", 0))

        def condition(wh: Any) -> bool:
            counts = {t.name: t.row_count for t in tables(wh, database)}
            return str(ctx.command) in counts and counts[str(ctx.command)] >= wanted

        return _poll(ctx, options, condition)


class TdTableExport:
    """Writes the table to ``.cdpo/exports/<s3_bucket>/<s3_path_prefix>`` (or ``local_path``)."""

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.warehouse import export_table

        options = _options(ctx)
        fmt = str(options.get("file_format", "jsonl.gz"))
        if fmt not in _EXPORT_FORMATS:
            raise ConfigError(
                f"td_table_export>: unknown file_format {fmt!r}",
                field=ctx.task_name,
                hint=f"Use one of {', '.join(_EXPORT_FORMATS)}.",
            )
        path = self._path(ctx, options, _EXPORT_FORMATS[fmt])
        with open_warehouse(ctx) as wh:
            count = export_table(
                wh,
                _database(options, ctx),
                str(options.get("table", "")),
                path,
                format=_EXPORT_FORMATS[fmt],
                from_time=_unix(options.get("from")),
                to_time=_unix(options.get("to")),
            )
        ctx.log(f"exported {count} rows to {path}")
        return OperatorResult(store=_job(ctx, count))

    def _path(self, ctx: OperatorContext, options: Mapping[str, Any], fmt: str) -> Path:
        if options.get("local_path"):
            return ctx.path(str(options["local_path"]))
        if ctx.settings.warehouse is None:
            raise WorkflowError("no warehouse: cannot place the export", task=ctx.task_name)
        prefix = str(options.get("s3_path_prefix", options.get("table", "export"))).strip("/")
        bucket = str(options.get("s3_bucket", "local"))
        return ctx.settings.warehouse.parent / "exports" / bucket / f"{prefix}.{fmt}"


def _unix(value: Any) -> int | None:
    """``from``/``to`` of td_table_export (``YYYY-MM-DD HH:MM:SS +0000``) as unix seconds."""
    if value in (None, ""):
        return None
    from datetime import datetime

    for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(str(value), pattern)
        except ValueError:
            continue
        from datetime import UTC

        return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
    raise ConfigError(f"invalid time {value!r}", hint="Use 'YYYY-MM-DD HH:MM:SS +0000'.")


class TdLoad:
    """``td_load>: config/x.yml`` into ``database``.``table``; connectors replay local files."""

    check = staticmethod(_check_query_file)

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.warehouse import load_replay_mapping, run_td_load

        options = _options(ctx)
        config = self._config(ctx)
        replay = load_replay_mapping(ctx.settings.replay) if ctx.settings.replay else None
        with open_warehouse(ctx) as wh:
            result = run_td_load(
                wh,
                config,
                database=_database(options, ctx),
                table=str(options.get("table", "")),
                replay=replay,
                base_dir=ctx.workflow_file.parent,
                mode=options.get("mode"),
            )
        if result.last_record is not None:
            ctx.log(f"last_record: {result.last_record}")
        return OperatorResult(store=_job(ctx, result.num_records))

    def _config(self, ctx: OperatorContext) -> Mapping[str, Any]:
        import yaml

        if not ctx.command:
            raise ConfigError("td_load> needs a load config file", field=ctx.task_name)
        path = ctx.path(str(ctx.command))
        if not path.is_file():
            raise ConfigError(f"load config not found: {ctx.command}", field=ctx.task_name)
        try:
            config = _load_yaml(ctx.render_file(str(ctx.command)))
        except yaml.YAMLError as error:
            raise ConfigError(
                f"invalid YAML in {ctx.command}: {error}", field=ctx.task_name
            ) from None
        if not isinstance(config, Mapping):
            raise ConfigError(
                f"{ctx.command} must be a mapping with in: and out:", field=ctx.task_name
            )
        return config


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when PyYAML has it (a monthly batch renders and reads
    its load config: 10x faster); a document libyaml refuses is read again by the pure-Python
    loader, so it gives that loader's result or its error (with the offending line shown).
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


TD_OPERATORS: dict[str, Any] = {
    "td": Td(),
    "td_ddl": TdDdl(),
    "td_for_each": TdForEach(),
    "td_load": TdLoad(),
    "td_table_export": TdTableExport(),
    "td_wait": TdWait(),
    "td_wait_table": TdWaitTable(),
}
