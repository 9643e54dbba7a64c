"""``td>``, ``td_wait>`` and ``td_for_each>`` semantics on the warehouse, with no Digdag in sight.

The runtime renders the query's ``${...}`` and passes the operator's options; this module does
what Treasure Data does with them (digdag ``TdOperatorFactory``, docs.digdag.io/operators/td.html):
``create_table`` replaces a table with the query's result, ``insert_into`` appends to it (creating
it when missing), both placed at a ``-- DIGDAG_INSERT_LINE`` line when the query has one, and
``store_last_results`` keeps the first row. Each job is all or nothing (one transaction, or one
statement on its own), and the table it writes is built under a temporary name and swapped in,
so a failing query loses nothing.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from cdpo.errors import ConfigError, WorkflowError
from cdpo.targets.base import QueryResult
from cdpo.targets.local.warehouse import catalog, sql_bridge
from cdpo.targets.local.warehouse.names import TableName, table_name

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = [
    "TdJob",
    "TdJobResult",
    "TdOptions",
    "for_each_rows",
    "insert_command_statement",
    "jsonable",
    "plan_td",
    "run_td",
    "run_td_job",
    "wait_condition",
]

# Ported from digdag TdOperatorFactory.INSERT_LINE_PATTERN / HEADER_COMMENT_BLOCK_PATTERN.
_INSERT_LINE = re.compile(r"(\A|\r?\n)--\s*DIGDAG_INSERT_LINE[^\r\n]*", re.MULTILINE)
_HEADER_COMMENTS = re.compile(r"\A([\r\n\t]*(?:(?:\A|\n)--[^\n]*)+)\n?(.*)\Z", re.MULTILINE)
_WRITE_TYPES = frozenset({"INSERT", "UPDATE", "DELETE", "CREATE"})


@dataclass(frozen=True)
class TdJobResult:
    """What a td> job leaves behind, as Digdag stores it under ``td.*``.

    ``num_records`` is ``td.last_job.num_records``: rows written by ``create_table``/``insert_into``
    or a DML statement, else rows returned. ``last_results`` is ``td.last_results`` (first row,
    JSON values; empty when not asked or no row). ``statements`` are the DuckDB statements run.
    """

    result: QueryResult
    num_records: int
    last_results: dict[str, Any] = field(default_factory=dict)
    statements: tuple[str, ...] = ()


def insert_command_statement(command: str, query: str) -> str:
    """Place ``command`` where Digdag places it: at ``-- DIGDAG_INSERT_LINE``, else after the
    header comments, else at the head (digdag ``TdOperatorFactory.insertCommandStatement``).

    Example:
        >>> insert_command_statement("INSERT INTO t", "WITH a AS (SELECT 1)\\n-- DIGDAG_INSERT_LINE\\nSELECT * FROM a")
        'WITH a AS (SELECT 1)\\nINSERT INTO t\\nSELECT * FROM a'
    """
    marker = _INSERT_LINE.search(query)
    if marker:
        return query[: marker.start()] + marker.group(1) + command + query[marker.end() :]
    header = _HEADER_COMMENTS.search(query)
    if header:
        return f"{header.group(1)}\n{command}\n{header.group(2)}"
    return f"{command}\n{query}"


def jsonable(value: Any) -> Any:
    """A result value as TD returns it in JSON: numbers, strings, booleans, null, lists, maps."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _destination(
    create_table: str | None, insert_into: str | None, database: str
) -> TableName | None:
    if create_table and insert_into:
        raise ConfigError("setting both insert_into and create_table is invalid", field="td>")
    if create_table:
        return table_name(create_table, database, field="create_table")
    if insert_into:
        return table_name(insert_into, database, field="insert_into")
    return None


@dataclass(frozen=True)
class TdJob:
    """One td> job translated and ready to run (``plan_td``): its DuckDB statements, the default
    database, and the table it writes (built as ``staged`` first), if any."""

    database: str
    statements: tuple[str, ...]
    target: TableName | None = None
    staged: TableName | None = None
    replace: bool = False
    store_last_results: bool = False


class TdOptions(TypedDict, total=False):
    """The options of a ``td>`` job, as ``plan_td`` and ``run_td`` take them.

    ``engine``: presto (default), trino or hive. ``create_table``: ``table`` or ``db.table`` to
    replace with the result (DROP + CTAS on TD). ``insert_into``: the table to append the result
    to; created when missing, new columns added. ``store_last_results``: keep the first row of
    the result as ``last_results``.
    """

    engine: str
    create_table: str | None
    insert_into: str | None
    store_last_results: bool


def plan_td(query: str, *, database: str, **options: Unpack[TdOptions]) -> TdJob:
    """Translate one ``td>`` job on ``database`` without touching the warehouse.

    Translating is pure Python: the runtime plans a task before it waits for the warehouse, so
    one task's translation runs while another task's query holds the warehouse.

    Raises:
        ConfigError: both tables given, a bad table name, an unknown engine.
        TranslationError: the SQL cannot be translated.
    """
    engine = options.get("engine", "presto")
    create_table = options.get("create_table")
    target = _destination(create_table, options.get("insert_into"), database)
    staged = catalog.staging_name(target) if target else None
    if staged:
        query = insert_command_statement(f"CREATE TABLE {_engine_quote(staged, engine)} AS", query)
    statements = tuple(sql_bridge.translate(query, engine))
    keep = bool(options.get("store_last_results"))
    return TdJob(database, statements, target, staged, bool(create_table), keep)


def run_td(
    wh: Warehouse,
    query: str,
    *,
    database: str,
    upload_time: int | None = None,
    **options: Unpack[TdOptions],
) -> TdJobResult:
    """Run one ``td>`` job: the rendered ``query`` (one or more statements) in ``database``.

    ``upload_time`` is the unix seconds for the ``time`` column of written rows that have none
    (TD fills it with the job time); it defaults to now.

    Raises:
        ConfigError: both tables given, a bad table name, an unknown engine.
        NotFoundError: ``database`` (or the destination's database) does not exist.
        TranslationError, WorkflowError: the SQL cannot be translated or fails.
    """
    return run_td_job(wh, plan_td(query, database=database, **options), upload_time=upload_time)


def run_td_job(wh: Warehouse, job: TdJob, *, upload_time: int | None = None) -> TdJobResult:
    """Run a job ``plan_td`` translated (see ``run_td``).

    Raises:
        NotFoundError: the job's database (or the destination's database) does not exist.
        WorkflowError: a statement fails; the job's writes are rolled back.
    """
    wh.require_database(job.database)
    if job.target:
        wh.require_database(job.target.database)
    # One statement is all or nothing on its own (DuckDB commits it alone): no BEGIN/COMMIT.
    alone = job.target is None and len(job.statements) <= 1
    with contextlib.nullcontext() if alone else wh.transaction():
        result = wh.execute(job.statements, job.database)
        num_records = _num_records(wh, job.statements, result)
        if job.target and job.staged:
            num_records = _write(wh, job.staged, job.target, upload_time, replace=job.replace)
    # A job that writes a table has no result rows on TD, so it stores an empty last_results.
    rows = result.records() if job.store_last_results and not job.target else []
    first = rows[0] if rows else {}
    return TdJobResult(
        result, num_records, {k: jsonable(v) for k, v in first.items()}, job.statements
    )


def _engine_quote(name: TableName, engine: str) -> str:
    if engine == "hive":
        return f"`{name.database}`.`{name.table}`"
    return name.sql


def _num_records(wh: Warehouse, statements: Sequence[str], result: QueryResult) -> int:
    if not statements:
        return 0
    kind = wh.con.extract_statements(statements[-1])[0].type.name
    if kind in _WRITE_TYPES and result.columns == ("Count",) and result.rows:
        return int(result.rows[0][0])
    return len(result.rows)


def _write(
    wh: Warehouse, staged: TableName, target: TableName, upload_time: int | None, *, replace: bool
) -> int:
    count = wh.first(f"SELECT count(*) FROM {staged.sql}")
    catalog.ensure_time_column(wh, staged, int(time.time()) if upload_time is None else upload_time)
    if replace:
        catalog.replace(wh, staged, target)
    else:
        catalog.append(wh, staged, target)
    return int(count[0]) if count else 0


def wait_condition(wh: Warehouse, query: str, *, database: str, engine: str = "presto") -> bool:
    """One evaluation of a ``td_wait>`` query: is the first column of its first row truthy?

    As digdag ``TdWaitOperatorFactory``: no row is false; NULL, false and 0 are false; anything
    else is true. The runtime decides how often and how long to poll.

    Raises:
        WorkflowError: the query returns a row without columns.
    """
    result = wh.query(query, database, engine=engine)
    if not result.rows:
        return False
    if not result.columns:
        raise WorkflowError("td_wait> query returned a row without columns")
    value = result.rows[0][0]
    if value is None or value is False:
        return False
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value != 0
    return True


def for_each_rows(
    wh: Warehouse, query: str, *, database: str, engine: str = "presto"
) -> list[dict[str, Any]]:
    """The rows a ``td_for_each>`` query yields, each as ``td.each`` (column → JSON value)."""
    result = wh.query(query, database, engine=engine)
    return [{k: jsonable(v) for k, v in row.items()} for row in result.records()]
