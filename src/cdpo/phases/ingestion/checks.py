"""VALIDATE for ingestion: every expected table exists with rows, and the log says SUCCESS.

Expected tables come from the generated project (``GeneratedProject.tables``, rendered from the
model), never from a name formula; row counts from the target's table listing (TD's
``/v3/table/list``), never from ``information_schema … row_count``, which TD does not have
(spec §1.8). The log check reads the real log schema: ``table_name``, ``status`` in upper case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from cdpo.errors import NotFoundError
from cdpo.phases.base import CheckResult, CheckStatus
from cdpo.phases.ingestion.names import quote, quote_literal
from cdpo.targets.base import Target

__all__ = ["check_log", "check_tables", "log_status_sql"]


def check_tables(target: Target, tables: Iterable[str]) -> list[CheckResult]:
    """One result per ``database.table``: FAIL when missing, WARN when empty, else PASS."""
    by_database: dict[str, list[str]] = defaultdict(list)
    for qualified in tables:
        database, _, table = qualified.partition(".")
        by_database[database].append(table)
    results = []
    for database, names in by_database.items():
        try:
            listing = {t.name: t.row_count for t in target.tables(database)}
        except NotFoundError:
            listing = {}
        for name in names:
            results.append(_table_result(database, name, listing.get(name)))
    return results


def _table_result(database: str, table: str, rows: int | None) -> CheckResult:
    qualified = f"{database}.{table}"
    if rows is None:
        return CheckResult(
            "table_exists", CheckStatus.FAIL, f"{qualified} does not exist", qualified
        )
    status = CheckStatus.PASS if rows > 0 else CheckStatus.WARN
    detail = f"{qualified} has {rows} rows" if rows else f"{qualified} exists but is empty"
    return CheckResult("table_has_rows", status, detail, qualified, {"rows": rows})


def log_status_sql(log_table: str, tables: Iterable[str]) -> str:
    """Per table: when it last STARTED, succeeded and failed, and the records its loads logged."""
    database, _, table = log_table.partition(".")
    names = ", ".join(quote_literal(t) for t in sorted(set(tables)))
    return (
        "SELECT table_name,\n"
        "  MAX(CASE WHEN status = 'STARTED' THEN time END) AS last_started,\n"
        "  MAX(CASE WHEN status = 'SUCCESS' THEN time END) AS last_success,\n"
        "  MAX(CASE WHEN status = 'ERROR' THEN time END) AS last_error,\n"
        "  SUM(CASE WHEN status = 'SUCCESS' AND job_id IS NOT NULL THEN records_processed ELSE 0 END)"
        " AS records\n"
        f"FROM {quote(database)}.{quote(table)}\n"
        f"WHERE table_name IN ({names})\n"
        "GROUP BY table_name"
    )


def check_log(target: Target, log_table: str, tables: Iterable[str]) -> list[CheckResult]:
    """One result per table: PASS when its latest load ended in SUCCESS, FAIL otherwise."""
    names = sorted({qualified.partition(".")[2] for qualified in tables})
    database, _, table = log_table.partition(".")
    try:
        exists = any(t.name == table for t in target.tables(database))
    except NotFoundError:
        exists = False
    if not exists:
        detail = f"{log_table} does not exist: no ingestion workflow has run"
        return [CheckResult("log_success", CheckStatus.FAIL, detail, name) for name in names]
    query = target.query(log_status_sql(log_table, names))
    rows = {r["table_name"]: r for r in query.records()}
    return [_log_result(log_table, name, rows.get(name)) for name in names]


def _log_result(log_table: str, table: str, row: dict | None) -> CheckResult:
    if row is None or row["last_success"] is None:
        return CheckResult(
            "log_success", CheckStatus.FAIL, f"{log_table} has no SUCCESS row for {table}", table
        )
    last_error = row["last_error"]
    if row["last_started"] is not None and row["last_success"] < row["last_started"]:
        detail = f"the last load of {table} STARTED but never logged SUCCESS"
        return CheckResult("log_success", CheckStatus.FAIL, detail, table)
    if last_error is not None and last_error > row["last_success"]:
        return CheckResult(
            "log_success", CheckStatus.FAIL, f"the last load of {table} logged ERROR", table
        )
    metrics = {"records": int(row["records"] or 0)}
    return CheckResult("log_success", CheckStatus.PASS, f"{table}: SUCCESS logged", table, metrics)
