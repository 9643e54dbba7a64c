"""Build the ``TableQuery`` of every input from its live schema and a sample of its values:
classify the columns, apply the rules, resolve join dimensions (spec §1.1 step 0, §1.3).

Reads the target only; writes nothing, so a bad input fails GENERATE before any file exists.
"""

from __future__ import annotations

from typing import Any

from cdpo.errors import GenerateError, NotFoundError
from cdpo.phases.common import sample_values
from cdpo.phases.staging.classify import classify_columns
from cdpo.phases.staging.dialects import PRESTO, Dialect
from cdpo.phases.staging.model import StagingModel, StagingTable
from cdpo.phases.staging.query import JoinedColumn, TableQuery
from cdpo.phases.staging.rules import (
    ColumnSpec,
    RuleContext,
    metadata_outputs,
    outputs_of,
    parsed_sql,
    prepared_sql,
)
from cdpo.targets.base import Column, Target

__all__ = ["build_queries", "in_dialect"]


def _columns(target: Target, database: str, table: str, role: str) -> list[Column]:
    try:
        return target.columns(database, table)
    except NotFoundError:
        raise GenerateError(
            f"staging: the {role} table {database}.{table} does not exist",
            hint="Run hist-union first, or fix staging.tables / staging.rules in pipeline.yml.",
        ) from None


def _sample(
    target: Target, table: StagingTable, columns: list[Column], rows: int
) -> dict[str, list[str]]:
    """Up to ``rows`` rows, every scalar column as text; arrays and maps are not sampled."""
    return sample_values(target, table.source_database, table.source, columns, rows)


def _joined(
    target: Target, table: StagingTable, built: dict[str, dict[str, str]]
) -> tuple[JoinedColumn, ...]:
    """The dimension columns of ``table``'s joins; a dimension staged earlier in this project
    (an earlier wave) is known from its outputs, any other from its live schema."""
    picked = []
    for number, join in enumerate(table.joins, start=1):
        database, _, name = join.table.rpartition(".")
        qualified = f"{database or table.source_database}.{name}"
        live = built.get(qualified) or {
            c.name: c.type.lower()
            for c in _columns(target, database or table.source_database, name, "dimension")
        }
        for column in (*join.columns, *join.on.values()):
            if column not in live:
                raise GenerateError(
                    f"staging {table.source}: dimension {join.table} has no column {column!r}; "
                    f"valid: {', '.join(sorted(live))}"
                )
        picked += [JoinedColumn(number, c, live[c]) for c in join.columns]
    return tuple(picked)


def _context(model: StagingModel, table: StagingTable, dialect: Dialect) -> RuleContext:
    """The policies of ``table``'s rules: pipeline-wide, with the table's own phone country."""
    settings = model.settings
    country = table.rules.default_country or settings.default_country
    return RuleContext(dialect, settings.null_tokens, country, settings.timezone)


def _query(
    ctx: RuleContext,
    table: StagingTable,
    specs: tuple[ColumnSpec, ...],
    dropped: tuple[str, ...],
    joined: tuple[JoinedColumn, ...],
) -> TableQuery:
    """The table under ``ctx``'s dialect: its rules' outputs and the helper columns they read."""
    outputs = [o for spec in specs for o in outputs_of(ctx, spec)]
    return TableQuery(
        table,
        specs,
        dropped,
        tuple(outputs + metadata_outputs(ctx, table.source)),
        prepared=tuple(pair for spec in specs for pair in prepared_sql(ctx, spec)),
        parsed=tuple(pair for spec in specs for pair in parsed_sql(ctx, spec)),
        joined=joined,
        dialect=ctx.dialect,
    )


def _kept(settings: Any, table: StagingTable, live: list[Column]) -> list[Column]:
    if "time" not in {c.name for c in live}:
        raise GenerateError(f"staging {table.source}: no 'time' column; every TD table has one")
    if settings.on_too_many_columns == "fail" and len(live) > settings.max_columns:
        raise GenerateError(
            f"staging {table.source}: {len(live)} columns, more than max_columns "
            f"({settings.max_columns})",
            hint="Raise staging.max_columns or set on_too_many_columns: warn.",
        )
    kept = live[: settings.max_columns]
    if "time" not in {c.name for c in kept}:
        kept = [*kept[:-1], next(c for c in live if c.name == "time")]
    return kept


def build_queries(model: StagingModel, target: Target) -> list[TableQuery]:
    """Classify every input from its live schema and sample, and build its rules' outputs (Presto)."""
    settings = model.settings
    queries: list[TableQuery] = []
    built: dict[str, dict[str, str]] = {}
    for table in model.tables:
        live = _columns(target, table.source_database, table.source, "input")
        kept = _kept(settings, table, live)
        sample = _sample(target, table, kept, settings.sample_rows)
        specs = tuple(classify_columns(kept, sample, table.rules.columns))
        dropped = tuple(c.name for c in live if c not in kept)
        joined, ctx = _joined(target, table, built), _context(model, table, PRESTO)
        query = _query(ctx, table, specs, dropped, joined)
        query.check()
        queries.append(query)
        built[table.qualified] = query.output_types
    return queries


def in_dialect(model: StagingModel, query: TableQuery, dialect: Dialect) -> TableQuery:
    """The same table with its rules rendered for ``dialect`` (one definition, two engines)."""
    ctx = _context(model, query.table, dialect)
    return _query(ctx, query.table, query.columns, query.dropped, query.joined)
