"""VALIDATE for staging, on the data (spec §1.7 checked only text, §6.15): per table, it exists;
every rule's output column is there with its type and none is TIMESTAMP/BOOLEAN; it holds the
source rows up to the recorded watermark (distinct keys when deduplicated) with one row per key;
and per-column quality metrics (valid shares, null rates, date parse failures) for the report.

What each table should hold is read from the classification the generator wrote next to the SQL,
so VALIDATE checks the project that ran, not a re-classification of today's data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdpo.errors import NotFoundError
from cdpo.phases.base import CheckResult, CheckStatus
from cdpo.phases.common import INC_LOG
from cdpo.phases.staging.dialects import PRESTO
from cdpo.phases.staging.model import PROJECT_NAME_IN_LOG, StagingModel, StagingTable
from cdpo.targets.base import Target

__all__ = ["check_staging", "check_table", "quality_sql"]

_FORBIDDEN = ("timestamp", "boolean", "bool", "date", "time")
_SAME = {"text": "varchar", "string": "varchar", "float": "double", "int": "integer",
         "varchar[]": "array(varchar)", "text[]": "array(varchar)"}  # fmt: skip


def _normal(type_: str) -> str:
    text = " ".join(type_.lower().split())
    text = "varchar" if text.startswith("varchar") else text
    return _SAME.get(text, text)


def check_staging(target: Target, model: StagingModel, directory: Path) -> list[CheckResult]:
    """Every check of every staging table."""
    results = []
    for table in model.tables:
        path = directory / "classification" / f"{table.name}.json"
        record = json.loads(path.read_text()) if path.is_file() else None
        results += check_table(target, model, table, record)
    return results


def check_table(
    target: Target, model: StagingModel, table: StagingTable, record: dict[str, Any] | None
) -> list[CheckResult]:
    """The checks of one table; ``record`` is its classification (None: not generated)."""
    name = table.qualified
    if record is None:
        return [CheckResult("staging_generated", CheckStatus.FAIL, f"{name}: no classification "
                            "record; run GENERATE again", name)]  # fmt: skip
    try:
        live = {c.name: _normal(c.type) for c in target.columns(table.database, table.name)}
    except NotFoundError:
        return [CheckResult("staging_exists", CheckStatus.FAIL, f"{name} does not exist", name)]
    results = [_schema_result(name, record, live)]
    if record["dropped_columns"]:
        dropped = ", ".join(record["dropped_columns"])
        results.append(CheckResult("staging_column_limit", CheckStatus.WARN,
                                   f"{name}: columns past max_columns not staged: {dropped}", name,
                                   {"dropped_columns": record["dropped_columns"]}))  # fmt: skip
    if results[0].status is CheckStatus.FAIL:
        return results
    results.append(_rows_result(target, model, table, record))
    results += _quality_results(target, model, table, record)
    return results


def _schema_result(name: str, record: dict[str, Any], live: dict[str, str]) -> CheckResult:
    problems = []
    for output in record["outputs"]:
        have = live.get(output["name"])
        if have is None:
            problems.append(f"{output['name']} missing")
        elif have != _normal(output["type"]) and _normal(output["type"]) not in ("integer",):
            problems.append(f"{output['name']} is {have}, expected {_normal(output['type'])}")
    forbidden = [n for n, t in live.items() if t.startswith(_FORBIDDEN) and n != "time"]
    problems += [f"{n} has a {live[n]} type (TD staging outputs are never TIMESTAMP/BOOLEAN)"
                 for n in forbidden]  # fmt: skip
    if problems:
        return CheckResult(
            "staging_schema", CheckStatus.FAIL, f"{name}: {'; '.join(problems)}", name
        )
    detail = f"{name} has all {len(record['outputs'])} output columns with their types"
    return CheckResult("staging_schema", CheckStatus.PASS, detail, name)


def _q(database: str, table: str) -> str:
    return f"{PRESTO.quote(database)}.{PRESTO.quote(table)}"


def _window_sql(model: StagingModel, table: StagingTable) -> str:
    """The source rows up to the recorded watermark (what the staging table should hold)."""
    watermark = (
        f"(SELECT COALESCE(MAX(inc_value), 0) FROM {_q(model.lookup_database, INC_LOG)} "
        f"WHERE project_name = '{PROJECT_NAME_IN_LOG}' AND table_name = {PRESTO.literal(table.source)})"
    )
    return f"FROM {_q(table.source_database, table.source)} WHERE time <= {watermark}"


def _keys_sql(record: dict[str, Any], window: str) -> str:
    """The cleaned dedup keys of the window's rows, computed as the generated SELECT does: the
    prepared columns, the parsed ones over them, the keys' rule SQL over both."""
    prepared = ", ".join(f"{sql} AS {PRESTO.quote(n)}" for n, sql in record["prepared_sql"].items())
    rows = f"(SELECT {prepared} {window}) AS s"
    if parsed := record.get("parsed_sql"):  # absent from records written before parsed_data
        helpers = ", ".join(f"{sql} AS {PRESTO.quote(n)}" for n, sql in parsed.items())
        rows = f"(SELECT *, {helpers} FROM {rows}) AS p"
    keys = ", ".join(f"{record['key_sql'][k]} AS {PRESTO.quote(k)}" for k in record["dedup_keys"])
    return f"SELECT {keys} FROM {rows}"


def _deduplicated_sql(relation: str, keys: list[str]) -> str:
    """The rows ``relation`` holds once deduplicated: one per distinct key tuple, and every row
    whose keys are all NULL (never merged)."""
    all_null = " AND ".join(f"{PRESTO.quote(k)} IS NULL" for k in keys)
    columns = ", ".join(PRESTO.quote(k) for k in keys)
    return (
        f"(SELECT COUNT(*) FROM (SELECT DISTINCT {columns} FROM {relation} "
        f"WHERE NOT ({all_null})) AS d) + (SELECT COUNT(*) FROM {relation} WHERE {all_null})"
    )


def _rows_result(
    target: Target, model: StagingModel, table: StagingTable, record: dict[str, Any]
) -> CheckResult:
    name = table.qualified
    window = _window_sql(model, table)
    staged = _q(table.database, table.name)
    keys = record["dedup_keys"]
    if keys:
        expected = "SELECT " + _deduplicated_sql(f"({_keys_sql(record, window)}) AS c", keys)
        distinct = _deduplicated_sql(staged, keys)
    else:  # one staged row per source row: no cleaning to re-run, only the rows to count
        expected = f"SELECT COUNT(*) {window}"
        distinct = f"(SELECT COUNT(*) FROM {staged})"
    row = target.query(
        f"SELECT (SELECT COUNT(*) FROM {staged}) AS staged, ({expected}) AS expected, "
        f"{distinct} AS distinct_keys"
    ).records()[0]
    metrics = {"rows": row["staged"], "expected_rows": row["expected"]}
    what = "distinct keys" if keys else "source rows"
    if row["staged"] != row["expected"] or row["staged"] != row["distinct_keys"]:
        detail = (f"{name} has {row['staged']} rows ({row['distinct_keys']} distinct keys); the source "
                  f"holds {row['expected']} {what} up to the watermark")  # fmt: skip
        return CheckResult("staging_rows", CheckStatus.FAIL, detail, name, metrics)
    status = CheckStatus.PASS if row["staged"] else CheckStatus.WARN
    detail = f"{name} has the expected {row['staged']} rows ({what})"
    return CheckResult("staging_rows", status, detail, name, metrics)


def quality_sql(
    table: StagingTable, record: dict[str, Any]
) -> tuple[str, dict[str, tuple[str, str]]]:
    """One query: row count, non-null count of each cleaned column, and each validated output's
    count; returns the SQL and column → (class, alias prefix)."""
    parts = ["COUNT(*) AS row_count"]
    measured: dict[str, tuple[str, str]] = {}
    for number, column in enumerate(record["columns"]):
        cls, q = column["class"], PRESTO.quote(column["name"])
        if cls in ("time", "keep", "numeric"):
            continue
        alias = f"c{number}"
        parts.append(f"COUNT({q}) AS {alias}_nonnull")
        if cls in ("email", "phone", "date"):
            suffix = "unixtime" if cls == "date" else "std"
            parts.append(f"COUNT({PRESTO.quote(column['name'] + '_' + suffix)}) AS {alias}_good")
        measured[column["name"]] = (cls, alias)
    return f"SELECT {', '.join(parts)} FROM {_q(table.database, table.name)}", measured


def _quality_results(
    target: Target, model: StagingModel, table: StagingTable, record: dict[str, Any]
) -> list[CheckResult]:
    sql, measured = quality_sql(table, record)
    row = target.query(sql).records()[0]
    rows = row["row_count"] or 0
    metrics: dict[str, dict[str, Any]] = {}
    rejected: list[str] = []
    limit = model.settings.reject_warn_share
    for column, (cls, alias) in measured.items():
        nonnull = row[f"{alias}_nonnull"]
        entry: dict[str, Any] = {
            "class": cls,
            "null_rate": round(1 - nonnull / rows, 4) if rows else None,
        }
        if f"{alias}_good" in row:
            good = row[f"{alias}_good"]
            key = "parse_failures" if cls == "date" else "invalid"
            entry[key] = nonnull - good
            entry["valid_share"] = round(good / nonnull, 4) if nonnull else None
            if nonnull and (nonnull - good) / nonnull > limit:
                rejected.append(f"{column} ({cls}: {nonnull - good} of {nonnull} rejected)")
        metrics[column] = entry
    name = table.qualified
    if rejected:
        detail = f"{name}: rules reject more than {limit:.0%} of {', '.join(rejected)}"
        return [
            CheckResult("staging_quality", CheckStatus.WARN, detail, name, {"columns": metrics})
        ]
    detail = f"{name}: every rule keeps at least {1 - limit:.0%} of its non-null values"
    return [CheckResult("staging_quality", CheckStatus.PASS, detail, name, {"columns": metrics})]
