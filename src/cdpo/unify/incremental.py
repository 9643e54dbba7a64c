"""Incremental runs: which source rows are new, and the previous graph they are merged into.

TD (p7_incremental, spec §3.9): with ``full_refresh: false`` and ``incremental_columns``, loop_0 is
the previous final graph plus the graph of the new rows, the loop runs at most
``incremental_merge_iterations`` times, ``source_key_stats`` is skipped and only new rows are
enriched. cdpo keeps, per table and incremental column, the largest value processed
(``unification_watermarks``); a row is new when any of its incremental columns is larger. Tables
without incremental columns are read whole every time (merging them again changes nothing).
"""

from __future__ import annotations

import duckdb

from cdpo.unify.config import UnifyConfig
from cdpo.unify.extract import table_columns
from cdpo.unify.names import literal, qualified, quote
from cdpo.unify.swap import table_exists

__all__ = ["WATERMARKS", "delta_filters", "previous_graph", "watermarks_sql"]

WATERMARKS = "unification_watermarks"


def delta_filters(con: duckdb.DuckDBPyConnection, config: UnifyConfig) -> dict[str, str] | None:
    """WHERE clause per table alias selecting rows newer than the stored watermarks.

    Returns ``None`` when there are no watermarks yet (the run must be a full one). Tables without
    incremental columns get no entry: all their rows are read.
    """
    schema = config.schema_name
    if not table_exists(con, schema, WATERMARKS):
        return None
    stored = {
        (t, c): (v, k)
        for t, c, v, k in con.execute(
            f"SELECT table_name, column_name, max_value, column_type FROM {qualified(schema, WATERMARKS)}"
        ).fetchall()
    }
    filters = {}
    for table in config.tables:
        parts = []
        for column in table.incremental_columns or []:
            value, kind = stored.get((table.alias, column), (None, None))
            if value is None:
                parts = ["TRUE"]
                break
            parts.append(f"{quote(column)} > CAST({literal(value)} AS {kind})")
        if parts:
            filters[table.alias] = "(" + " OR ".join(parts) + ")"
    return filters


def watermarks_sql(
    con: duckdb.DuckDBPyConnection, config: UnifyConfig, filters: dict[str, str] | None
) -> str:
    """SELECT of the new watermarks: per table and incremental column, the max value seen so far."""
    selects = []
    previous = qualified(config.schema_name, WATERMARKS)
    for table in config.tables:
        columns = table_columns(con, table.database, table.table)
        where = (filters or {}).get(table.alias)
        for column in table.incremental_columns or []:
            kind = columns[column]
            new = f"(SELECT CAST(max({quote(column)}) AS VARCHAR) FROM {qualified(table.database, table.table)}{f' WHERE {where}' if where else ''})"
            old = (
                f"(SELECT max_value FROM {previous} WHERE table_name = {literal(table.alias)} "
                f"AND column_name = {literal(column)})"
                if filters is not None
                else "NULL"
            )
            selects.append(
                f"SELECT {literal(table.alias)} AS table_name, {literal(column)} AS column_name, "
                f"coalesce(CAST({new} AS {kind}), CAST({old} AS {kind}))::VARCHAR AS max_value, "
                f"{literal(kind)} AS column_type"
            )
    empty = "SELECT NULL::VARCHAR table_name, NULL::VARCHAR column_name, NULL::VARCHAR max_value, NULL::VARCHAR column_type WHERE false"
    return " UNION ALL ".join(selects) or empty


def previous_graph(con: duckdb.DuckDBPyConnection, schema: str, id_name: str) -> str | None:
    """The qualified previous ``{id}_graph`` table, or ``None`` when there is none."""
    name = f"{id_name}_graph"
    return qualified(schema, name) if table_exists(con, schema, name) else None
