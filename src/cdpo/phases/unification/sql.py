"""The SQL files of the unification project, in TD's Presto dialect: prep, exclusions, enrichment.

Every configured name reaches SQL through ``quote`` (validated identifiers) and every pattern
through ``quote_literal``; no ``${...}`` is needed inside these files (spec §7.18: the plugin's prep
SQL relied on nested ``${}`` rendering and JS ``replaceAll``).
"""

from __future__ import annotations

from cdpo.phases.ingestion import quote, quote_literal
from cdpo.phases.unification.model import UnificationModel, UnifiedTable

__all__ = ["enrich_sql", "exclusions_sql", "prep_sql"]


def _text(column: str) -> str:
    return f"CAST({quote(column)} AS VARCHAR)"


def _blocked_sql(value: str, patterns: tuple[str, ...]) -> str:
    """TRUE when ``value`` matches a junk pattern; case-insensitive, partial match as Presto's
    ``regexp_like`` (spec §3.10). One regex of alternatives: each value is scanned once."""
    alternatives = patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)
    return f"regexp_like({value}, {quote_literal('(?i)' + alternatives)})"


def _kept_sql(model: UnificationModel, column: str, key: str) -> str:
    value = _text(column)
    patterns = model.blocked_patterns(key)
    if not patterns:
        return f"{value} AS {quote(column)}"
    return (
        f"CASE WHEN {_blocked_sql(value, patterns)} THEN NULL ELSE {value} END AS {quote(column)}"
    )


def prep_sql(model: UnificationModel, table: UnifiedTable) -> str:
    """``{t}_prep``: the key columns as text with junk values nulled, the columns master tables
    read, and ``time``, for rows that carry any key (rows with only other keys are kept, unlike
    the plugin's ``unif_input``, §6.10)."""
    kept = [_kept_sql(model, c, k) for c, k in table.key_columns]
    columns = ",\n  ".join([*kept, *(quote(c) for c in model.prep_extras(table))])
    present = ", ".join(_text(c) for c, _ in table.key_columns)
    present_sql = f"COALESCE({present})" if len(table.key_columns) > 1 else present
    return (
        f"-- Key columns of {table.database}.{table.name} for ID unification; junk values nulled.\n"
        f"SELECT\n  {columns},\n  {quote('time')}\n"
        f"FROM {table.qualified}\nWHERE {present_sql} IS NOT NULL\n"
    )


def exclusions_sql(model: UnificationModel) -> str:
    """``{id}_exclusions``: every junk value kept out of merging, its key, pattern, table and rows."""
    parts = []
    for table in model.tables:
        for column, key in table.key_columns:
            patterns = model.blocked_patterns(key)
            if not patterns:
                continue
            value = _text(column)
            whens = " ".join(
                f"WHEN regexp_like({value}, {quote_literal('(?i)' + p)}) THEN {quote_literal(p)}"
                for p in patterns
            )  # which pattern, asked only of the few values one of them matches
            parts.append(
                f"SELECT {quote_literal(key)} AS key_name, {value} AS key_value, "
                f"CASE WHEN {_blocked_sql(value, patterns)} THEN CASE {whens} END END AS pattern, "
                f"{quote_literal(table.name)} AS source_table, "
                f"{quote_literal(column)} AS source_column FROM {table.qualified}"
            )
    if not parts:
        parts.append(
            "SELECT CAST(NULL AS VARCHAR) AS key_name, CAST(NULL AS VARCHAR) AS key_value, "
            "CAST(NULL AS VARCHAR) AS pattern, CAST(NULL AS VARCHAR) AS source_table, "
            "CAST(NULL AS VARCHAR) AS source_column"
        )
    union = "\n  UNION ALL\n  ".join(parts)
    return (
        "-- Junk identifier values blocked from merging (cdpo's guard; TD has none, §D.5).\n"
        "SELECT key_name, key_value, pattern, source_table, source_column, COUNT(*) AS row_count\n"
        f"FROM (\n  {union}\n) AS candidates\nWHERE pattern IS NOT NULL\n"
        "GROUP BY key_name, key_value, pattern, source_table, source_column\n"
    )


def enrich_sql(model: UnificationModel, table: UnifiedTable) -> str:
    """``enriched_{t}``: every staged row plus its id, found through *any* of its key columns,
    highest merge priority first (the plugin joined on the first non-null column only, §6.12);
    works for canonical and persistent ids alike."""
    ordered = sorted(
        table.key_columns, key=lambda ck: (model.ns(ck[1]), table.key_columns.index(ck))
    )
    joins, picks = [], []
    for n, (column, key) in enumerate(ordered, start=1):
        alias = f"k{n}"
        joins.append(
            f"LEFT JOIN ids AS {alias} ON {alias}.id = CAST(s.{quote(column)} AS VARCHAR) "
            f"AND {alias}.id_key_type = {model.ns(key)}"
        )
        picks.append(f"{alias}.unified")
    unified = f"COALESCE({', '.join(picks)})" if len(picks) > 1 else picks[0]
    lookup = f"{quote(model.output_database)}.{quote(model.id_name + '_lookup')}"
    # Only the key types this table joins on are grouped: the lookup's other ids cannot match.
    types = ", ".join(str(ns) for ns in sorted({model.ns(key) for _, key in ordered}))
    return (
        f"-- {table.database}.{table.name} with its {model.kind} ({model.id_name}).\n"
        f"WITH ids AS (\n  SELECT id, id_key_type, MIN({quote(model.kind)}) AS unified\n"
        f"  FROM {lookup}\n  WHERE id_key_type IN ({types})\n  GROUP BY id, id_key_type\n)\n"
        f"SELECT s.*, {unified} AS {quote(model.id_name)}\nFROM {table.qualified} AS s\n"
        + "\n".join(joins)
        + "\n"
    )
