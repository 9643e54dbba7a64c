"""Extraction: source rows → valid key values per row → TD's initial graph ``loop_0``, integer-coded.

For every row of every source table (spec-staging-unification.md §3.2): the row's merge-key values
that pass the key's rules, in the table's ``key_columns`` order; the row's leader is the first of
them (key_columns order, as TD's scripts do); every value becomes a follower of that leader. Unlike
the APS port, NULL is always invalid, regexes match partially (Presto ``regexp_like`` parity),
literals are escaped and each table is read from its own ``database``. cdpo's guards (blocked values,
hubs) remove values here, before any merge, and are recorded with a reason. Values are numbered
once (``cdpo.unify.coding``); everything after that runs on the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from cdpo.errors import ConfigError, NotFoundError
from cdpo.unify.coding import (
    CodedGraph,
    edges_sql,
    followers_sql,
    merged_edges_sql,
    merged_followers_sql,
    nodes_sql,
)
from cdpo.unify.config import IdDefinition, UnifyConfig, UnifyKey, UnifyTable
from cdpo.unify.guards import ExcludedValue, Guards
from cdpo.unify.names import literal, qualified, quote

__all__ = ["Extraction", "extract_graph", "table_columns", "validity_sql"]


_NO_ROWS = (
    "SELECT NULL::BIGINT AS rk, NULL::INT AS table_id, NULL::INT AS pos, NULL::VARCHAR AS id, "
    "NULL::INT AS ns, NULL::BIGINT AS t, NULL::VARCHAR AS blocked WHERE false"
)


@dataclass(frozen=True)
class Extraction:
    """What extraction produced: the temp tables it wrote and what it kept out of the graph."""

    graph: CodedGraph
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


def _hubs_sql(coded: str, nodes: str, limit: int, per_row: int) -> str:
    """Values linked to more than ``limit`` distinct values of one other key, with the worst key.

    A value in ``n`` rows is linked to at most ``n * per_row`` values of another key (``per_row``:
    the most key columns one table has for one key), so only values past ``limit / per_row`` rows
    are joined back to their rows.
    """
    return f"""
    WITH suspect AS (SELECT node FROM {nodes} WHERE n * {int(per_row)} > {int(limit)}),
    linked AS (
      SELECT a.node, b.ns AS other, count(DISTINCT b.node) AS links
      FROM (SELECT rk, node, ns FROM {coded} SEMI JOIN suspect USING (node)) a
      JOIN {coded} b ON a.rk = b.rk AND a.ns <> b.ns GROUP BY a.node, b.ns
    )
    SELECT n.ns, n.id, h.links, h.other_ns FROM (
      SELECT node, max(links) AS links, arg_max(other, links) AS other_ns
      FROM linked WHERE links > {int(limit)} GROUP BY node
    ) h JOIN {nodes} n USING (node)"""


def _per_row(config: UnifyConfig, definition: IdDefinition) -> int:
    """The most key columns one source table maps to one merge key (at least 1)."""
    counts = [
        sum(1 for other in table.key_columns if other.key == kc.key)
        for _, table in config.id_tables(definition)
        for kc in table.key_columns
        if kc.key in definition.merge_by_keys
    ]
    return max(counts, default=1)


def _apply_guards(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    prefix: str,
    keys: Sequence[str],
    guards: Guards,
    known_hubs: Sequence[tuple[int, str]],
    per_row: int,
) -> None:
    """Drop hub values from ``{prefix}_pairs``; ``{prefix}_excluded`` lists them and the blocked ones."""
    hubs, pairs, nodes = f"{prefix}_hubs", f"{prefix}_pairs", f"{prefix}_nodes"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {hubs} (ns INTEGER, id VARCHAR, links BIGINT, other_ns INTEGER)"
    )
    if known_hubs:
        con.executemany(f"INSERT INTO {hubs} VALUES (?, ?, NULL, NULL)", list(known_hubs))
    if guards.hub_limit is not None:
        con.execute(f"INSERT INTO {hubs} {_hubs_sql(pairs, nodes, guards.hub_limit, per_row)}")
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
        f"DELETE FROM {pairs} WHERE node IN "
        f"(SELECT n.node FROM {hubs} h JOIN {nodes} n ON n.ns = h.ns AND n.id = h.id)"
    )
    con.execute(f"DROP TABLE {hubs}")


def _code_values(
    con: duckdb.DuckDBPyConnection, raw: str, prefix: str, previous: str | None
) -> None:
    """Number the values (``{prefix}_nodes``); ``{prefix}_pairs``: the unblocked values, coded."""
    values = f"(SELECT ns, id FROM {raw} WHERE blocked IS NULL)"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_nodes AS {nodes_sql(values, previous)}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {prefix}_pairs AS
        SELECT r.rk, r.table_id, r.pos, n.node, n.ns, r.t
        FROM {raw} r JOIN {prefix}_nodes n ON n.ns = r.ns AND n.id = r.id WHERE r.blocked IS NULL"""
    )


def _build_graph(
    con: duckdb.DuckDBPyConnection, prefix: str, processed_at: int, previous: str | None
) -> CodedGraph:
    """loop_0 from ``{prefix}_pairs``: the new rows' edges and followers, merged with the previous
    graph's when there is one."""
    pairs, nodes = f"{prefix}_pairs", f"{prefix}_nodes"
    edges, followers = f"{prefix}_edges", f"{prefix}_followers"
    delta_edges = f"{prefix}_delta_edges" if previous else edges
    delta_followers = f"{prefix}_delta_followers" if previous else followers
    con.execute(f"CREATE OR REPLACE TEMP TABLE {delta_edges} AS {edges_sql(pairs)}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {delta_followers} AS {followers_sql(pairs, processed_at)}"
    )
    if previous:
        merged = merged_edges_sql(delta_edges, previous, nodes)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {edges} AS {merged}")
        merged = merged_followers_sql(delta_followers, previous, nodes)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {followers} AS {merged}")
    con.execute(f"DROP TABLE {pairs}")
    return CodedGraph(nodes, edges, followers, delta_edges, delta_followers, previous)


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
    previous: str | None = None,
) -> Extraction:
    """Build loop_0 (``cdpo.unify.coding``) and ``{prefix}_excluded`` as temp tables.

    ``delta`` maps a table alias to a WHERE clause selecting its new rows (incremental runs);
    ``known_hubs`` are (ns, value) excluded by a previous run, kept excluded; ``previous`` is the
    previous ``{id}_graph`` the new rows are merged into.
    """
    selects = []
    for table_id, table in config.id_tables(definition):
        _check_table(con, table_id, table)
        where = delta.get(table.alias) if delta is not None else None
        sql = _table_pairs_sql(config, definition, table_id, table, guards, where)
        if sql:
            selects.append(sql)
    raw = f"{prefix}_raw"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS {' UNION ALL '.join(selects) or _NO_ROWS}")
    rows = con.execute(f"SELECT count(DISTINCT rk) FROM {raw}").fetchone()[0]  # type: ignore[index]
    _code_values(con, raw, prefix, previous)
    per_row = _per_row(config, definition)
    _apply_guards(con, raw, prefix, definition.merge_by_keys, guards, known_hubs, per_row)
    excluded = [
        ExcludedValue(*row)
        for row in con.execute(
            f"SELECT key_name, value, reason, rows, detail FROM {prefix}_excluded "
            "ORDER BY reason, key_name, value"
        ).fetchall()
    ]
    con.execute(f"DROP TABLE {raw}")
    graph = _build_graph(con, prefix, processed_at, previous)
    return Extraction(graph, f"{prefix}_excluded", rows, excluded)
