"""VALIDATE for hist-union: per input, its ``_histunion`` table exists, has the union schema,
holds exactly the history rows plus the incremental rows not already present, and no doubles.

Counts are taken up to the recorded watermarks (rows that landed after the run are the next
run's), by ``COUNT(*)`` in SQL built here with quoted identifiers (spec §3.7, §5.5).
"""

from __future__ import annotations

from cdpo.errors import GenerateError, NotFoundError
from cdpo.phases.base import CheckResult, CheckStatus
from cdpo.phases.common import INC_LOG
from cdpo.phases.histunion.generate import live_alignment
from cdpo.phases.histunion.model import PROJECT_NAME_IN_LOG, HistUnionModel, UnionTable
from cdpo.phases.histunion.schema import Alignment
from cdpo.phases.ingestion import quote, quote_literal
from cdpo.targets.base import Target

__all__ = ["check_union", "counts_sql"]


def _q(database: str, table: str) -> str:
    return f"{quote(database)}.{quote(table)}"


def _watermark(model: HistUnionModel, name: str) -> str:
    return (
        f"(SELECT COALESCE(MAX(inc_value), 0) FROM {_q(model.lookup_database, INC_LOG)} "
        f"WHERE project_name = {quote_literal(PROJECT_NAME_IN_LOG)} AND table_name = {quote_literal(name)})"
    )


def counts_sql(model: HistUnionModel, table: UnionTable, alignment: Alignment) -> str:
    """Target rows, distinct target rows, expected rows and distinct expected rows.

    Expected is the history plus the increments not already in it (``hist UNION ALL (inc EXCEPT
    ALL hist)``). One grouping of the three inputs by every column gives all four: per distinct
    row, the target holds ``t`` copies and expected holds ``h + max(i - h, 0)``. One pass over
    the rows, where four DISTINCTs and an EXCEPT ALL read the history three times.
    """
    columns = ", ".join(quote(n) for n in alignment.names)
    tagged = (
        f"SELECT {columns}, 1 AS __cdpo_t, 0 AS __cdpo_h, 0 AS __cdpo_i "
        f"FROM {_q(table.target_database, table.target)}\n"
        f"  UNION ALL SELECT {', '.join(alignment.hist)}, 0, 1, 0 "
        f"FROM {_q(table.database, table.hist)} WHERE time <= {_watermark(model, table.hist)}\n"
        f"  UNION ALL SELECT {', '.join(alignment.inc)}, 0, 0, 1 "
        f"FROM {_q(table.database, table.inc)} WHERE time <= {_watermark(model, table.inc)}"
    )
    groups = (
        "SELECT SUM(__cdpo_t) AS t, "
        "SUM(__cdpo_h) + GREATEST(SUM(__cdpo_i) - SUM(__cdpo_h), 0) AS e\n"
        f"  FROM ({tagged}) AS r GROUP BY {columns}"
    )
    return (
        "SELECT COALESCE(SUM(t), 0) AS union_rows, COUNT_IF(t > 0) AS union_distinct,\n"
        "  COALESCE(SUM(e), 0) AS expected_rows, COUNT_IF(e > 0) AS expected_distinct\n"
        f"FROM ({groups}) AS g"
    )


def check_union(target: Target, model: HistUnionModel, table: UnionTable) -> list[CheckResult]:
    """The checks of one union table."""
    name = f"{table.target_database}.{table.target}"
    try:
        live = {c.name for c in target.columns(table.target_database, table.target)}
        alignment, _ = live_alignment(target, table)
    except NotFoundError:
        return [CheckResult("union_exists", CheckStatus.FAIL, f"{name} does not exist", name)]
    except GenerateError as error:
        return [CheckResult("union_inputs", CheckStatus.FAIL, error.message, name)]
    results = [_schema_result(name, alignment, live)]
    if results[0].status is CheckStatus.FAIL:
        return results
    row = target.query(counts_sql(model, table, alignment)).records()[0]
    return [*results, _rows_result(name, row), _duplicates_result(name, row)]


def _schema_result(name: str, alignment: Alignment, live: set[str]) -> CheckResult:
    missing = [n for n in alignment.names if n not in live]
    if missing:
        return CheckResult(
            "union_schema", CheckStatus.FAIL, f"{name} lacks columns {', '.join(missing)}", name
        )
    return CheckResult(
        "union_schema", CheckStatus.PASS, f"{name} has all {len(alignment.names)} columns", name
    )


def _rows_result(name: str, row: dict) -> CheckResult:
    metrics = {"rows": row["union_rows"], "expected_rows": row["expected_rows"]}
    if row["union_rows"] != row["expected_rows"]:
        detail = f"{name} has {row['union_rows']} rows; history plus new increments hold {row['expected_rows']}"
        return CheckResult("union_rows", CheckStatus.FAIL, detail, name, metrics)
    status = CheckStatus.PASS if row["union_rows"] else CheckStatus.WARN
    return CheckResult(
        "union_rows", status, f"{name} has the expected {row['union_rows']} rows", name, metrics
    )


def _duplicates_result(name: str, row: dict) -> CheckResult:
    introduced = (row["union_rows"] - row["union_distinct"]) - (
        row["expected_rows"] - row["expected_distinct"]
    )
    metrics = {"duplicates_introduced": max(introduced, 0)}
    if introduced > 0:
        return CheckResult(
            "union_duplicates",
            CheckStatus.FAIL,
            f"{name}: {introduced} duplicate rows introduced",
            name,
            metrics,
        )
    return CheckResult(
        "union_duplicates", CheckStatus.PASS, f"{name}: no duplicate rows introduced", name, metrics
    )
