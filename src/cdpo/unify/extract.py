"""Extraction: source rows → valid key values per row → TD's initial graph ``loop_0``.

For every row of every source table (spec-staging-unification.md §3.2): the row's merge-key values
that pass the key's rules, in the table's ``key_columns`` order; the row's leader is the first of
them (key_columns order, as TD's scripts do); every value becomes a follower of that leader. Unlike
the APS port, NULL is always invalid, regexes match partially (Presto ``regexp_like`` parity),
literals are escaped and each table is read from its own ``database``. cdpo's guards (blocked values,
hubs) remove values here, before any merge, and are recorded with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from cdpo.errors import ConfigError, NotFoundError
from cdpo.unify.config import IdDefinition, UnifyConfig, UnifyKey, UnifyTable
from cdpo.unify.guards import ExcludedValue, Guards
from cdpo.unify.names import literal, qualified, quote

__all__ = ["Extraction", "extract_graph", "table_columns", "validity_sql"]

GRAPH_COLUMNS = (
    "follower_id",
    "follower_ns",
    "leader_id",
    "leader_ns",
    "follower_first_seen_at",
    "follower_last_seen_at",
    "follower_source_table_ids",
    "follower_last_processed_at",
)


_NO_ROWS = (
    "SELECT NULL::BIGINT AS rk, NULL::INT AS table_id, NULL::INT AS pos, NULL::VARCHAR AS id, "
    "NULL::INT AS ns, NULL::BIGINT AS t, NULL::VARCHAR AS blocked WHERE false"
)


@dataclass(frozen=True)
class Extraction:
    """What extraction produced: the temp tables it wrote and what it kept out of the graph."""

    graph: str
    excluded_table: str
    rows: int
    excluded: list[ExcludedValue]


def table_columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> dict[str, str]:
    """Column name → DuckDB type of ``database.table``; NotFoundError when it does not exist."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [database, table],
    ).fetchall()
    if not rows:
        raise NotFoundError(f"source table {database}.{table} does not exist")
    return {name: kind for name, kind in rows}


def validity_sql(key: UnifyKey, value_sql: str) -> str:
    """TD's validity test for a value of ``key``: not NULL, regex matches (partially), not invalid."""
    parts = [f"{value_sql} IS NOT NULL"]
    if key.valid_regexp is not None:
        parts.append(f"regexp_matches({value_sql}, {literal(key.valid_regexp)})")
    texts = [t for t in key.invalid_texts or [] if t is not None]
    if texts:
        parts.append(f"{value_sql} NOT IN ({', '.join(literal(t) for t in texts)})")
    return " AND ".join(parts)


def _check_table(con: duckdb.DuckDBPyConnection, index: int, table: UnifyTable) -> None:
    columns = table_columns(con, table.database, table.table)
    wanted = [("key_columns", kc.column) for kc in table.key_columns]
    wanted += [("incremental_columns", c) for c in table.incremental_columns or []]
    wanted.append(("time", "time"))
    for field, column in wanted:
        if column not in columns:
            raise ConfigError(
                f"column {column!r} is not in {table.database}.{table.table} "
                f"(columns: {', '.join(columns)}); TD requires a 'time' column in every source",
                field=f"tables[{index - 1}].{field}",
            )


def _table_pairs_sql(
    config: UnifyConfig,
    definition: IdDefinition,
    table_id: int,
    table: UnifyTable,
    guards: Guards,
    where: str | None,
) -> str | None:
    """One scan of a source table giving (rk, table_id, pos, id, ns, t, blocked) per valid value."""
    structs = []
    for pos, kc in enumerate(table.key_columns):
        if kc.key not in definition.merge_by_keys:
            continue
        ns = definition.merge_by_keys.index(kc.key) + 1
        value = f"CAST({quote(kc.column)} AS VARCHAR)"
        valid = validity_sql(config.key(kc.key), value)
        blocked = guards.blocked_sql(kc.key, value)
        structs.append(
            f"{{'pos': {pos}, 'id': CASE WHEN {valid} THEN {value} END, 'ns': {ns}, "
            f"'blocked': {blocked}}}"
        )
    if not structs:
        return None
    source = qualified(table.database, table.table)
    return (
        f"SELECT rk, {table_id} AS table_id, p.pos, p.id, p.ns, t, p.blocked FROM ("
        f"SELECT ({table_id}::BIGINT << 40) + row_number() OVER () AS rk, "
        f'CAST("time" AS BIGINT) AS t, unnest([{", ".join(structs)}]) AS p '
        f"FROM {source}{f' WHERE {where}' if where else ''}) WHERE p.id IS NOT NULL"
    )


def _hubs_sql(raw: str, limit: int) -> str:
    """Values linked to more than ``limit`` distinct values of one other key, with the worst key."""
    return f"""
    SELECT ns, id, max(n) AS links, arg_max(other, n) AS other_ns FROM (
      SELECT a.ns, a.id, b.ns AS other, count(DISTINCT b.id) AS n
      FROM {raw} a JOIN {raw} b ON a.rk = b.rk AND a.ns <> b.ns
      WHERE a.blocked IS NULL AND b.blocked IS NULL GROUP BY a.ns, a.id, b.ns
    ) WHERE n > {int(limit)} GROUP BY ns, id"""


def _apply_guards(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    prefix: str,
    keys: Sequence[str],
    guards: Guards,
    known_hubs: Sequence[tuple[int, str]],
) -> None:
    """Write ``{prefix}_pairs`` without blocked and hub values, and ``{prefix}_excluded`` listing them."""
    hubs = f"{prefix}_hubs"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {hubs} (ns INTEGER, id VARCHAR, links BIGINT, other_ns INTEGER)"
    )
    if known_hubs:
        con.executemany(f"INSERT INTO {hubs} VALUES (?, ?, NULL, NULL)", list(known_hubs))
    if guards.hub_limit is not None:
        con.execute(f"INSERT INTO {hubs} {_hubs_sql(raw, guards.hub_limit)}")
    names = "[" + ", ".join(literal(k) for k in keys) + "]"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {prefix}_excluded AS
        SELECT {names}[ns] AS key_name, id AS value, 'blocked' AS reason, count(*) AS rows,
               'matches ' || any_value(blocked) AS detail
        FROM {raw} WHERE blocked IS NOT NULL GROUP BY ns, id
        UNION ALL
        SELECT {names}[h.ns], h.id, 'hub', count(r.rk), CASE WHEN max(h.links) IS NULL
                 THEN 'excluded as a hub by a previous run'
                 ELSE 'linked to ' || max(h.links) || ' distinct ' || {names}[max(h.other_ns)]
                      || ' values (limit {guards.hub_limit})' END
        FROM {hubs} h LEFT JOIN {raw} r ON r.ns = h.ns AND r.id = h.id AND r.blocked IS NULL
        GROUP BY h.ns, h.id"""
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {prefix}_pairs AS SELECT rk, table_id, pos, id, ns, t FROM {raw} r "
        f"WHERE blocked IS NULL AND NOT EXISTS (SELECT 1 FROM {hubs} h WHERE h.ns = r.ns AND h.id = r.id)"
    )
    con.execute(f"DROP TABLE {hubs}")


def graph_from_pairs_sql(pairs: str, processed_at: int) -> str:
    """TD's loop_0: each value follows its row's leader; aggregates are per follower."""
    return f"""
    WITH lead AS (
      SELECT rk, arg_min(id, pos) AS leader_id, arg_min(ns, pos) AS leader_ns FROM {pairs} GROUP BY rk
    ), follower AS (
      SELECT id, ns, min(t) AS first_seen, max(t) AS last_seen,
             list_sort(list_distinct(list(table_id::BIGINT))) AS table_ids
      FROM {pairs} GROUP BY id, ns
    ), edge AS (
      SELECT DISTINCT p.id, p.ns, l.leader_id, l.leader_ns FROM {pairs} p JOIN lead l USING (rk)
    )
    SELECT e.id AS follower_id, e.ns::BIGINT AS follower_ns, e.leader_id, e.leader_ns::BIGINT AS leader_ns,
           f.first_seen AS follower_first_seen_at, f.last_seen AS follower_last_seen_at,
           f.table_ids AS follower_source_table_ids,
           {int(processed_at)}::BIGINT AS follower_last_processed_at
    FROM edge e JOIN follower f USING (id, ns)"""


def extract_graph(
    con: duckdb.DuckDBPyConnection,
    config: UnifyConfig,
    definition: IdDefinition,
    guards: Guards,
    *,
    processed_at: int,
    prefix: str,
    delta: Mapping[str, str] | None = None,
    known_hubs: Sequence[tuple[int, str]] = (),
) -> Extraction:
    """Build temp tables ``{prefix}_pairs``, ``{prefix}_excluded`` and ``{prefix}_loop_0``.

    ``delta`` maps a table alias to a WHERE clause selecting its new rows (incremental runs);
    ``known_hubs`` are (ns, value) excluded by a previous run, kept excluded.
    """
    selects = []
    for table_id, table in config.id_tables(definition):
        _check_table(con, table_id, table)
        where = delta.get(table.alias) if delta is not None else None
        sql = _table_pairs_sql(config, definition, table_id, table, guards, where)
        if sql:
            selects.append(sql)
    raw, pairs, graph = f"{prefix}_raw", f"{prefix}_pairs", f"{prefix}_loop_0"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS {' UNION ALL '.join(selects) or _NO_ROWS}")
    rows = con.execute(f"SELECT count(DISTINCT rk) FROM {raw}").fetchone()[0]  # type: ignore[index]
    _apply_guards(con, raw, prefix, definition.merge_by_keys, guards, known_hubs)
    excluded = [
        ExcludedValue(*row)
        for row in con.execute(
            f"SELECT key_name, value, reason, rows, detail FROM {prefix}_excluded "
            "ORDER BY reason, key_name, value"
        ).fetchall()
    ]
    con.execute(f"DROP TABLE {raw}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {graph} AS {graph_from_pairs_sql(pairs, processed_at)}"
    )
    return Extraction(graph, f"{prefix}_excluded", rows, excluded)
