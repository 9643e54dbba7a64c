"""TD's output tables of one id, as SELECTs: graph, lookup, keys, tables and the two stats tables.

Column sets follow TD's p2_output_result and the APS port (spec-staging-unification.md §3.5, §3.6;
td-apis-digdag-and-peers.md §D.4). Each function returns SQL; ``engine`` writes it under a temporary
name and swaps it in. Deliberate differences from the port: stats histograms are per ``from_table``
(D's behaviour, not S's global one) and include ``0:count`` so every histogram sums to
``total_distinct``; ``*_keys``/``*_tables`` name tables by alias, never by a hard-coded rename.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdpo.unify.names import literal, quote

__all__ = [
    "graph_sql",
    "keys_sql",
    "lookup_sql",
    "result_key_stats_sql",
    "source_key_stats_sql",
    "tables_sql",
]


def graph_sql(final: str, followers: str, nodes: str) -> str:
    """``{id}_graph``: the converged edges with each follower's aggregates, ids back as text.

    ``final`` and ``followers`` are coded (``cdpo.unify.coding``); ``nodes`` maps codes to text.
    """
    return f"""
    SELECT fn.id AS follower_id, f.follower_ns::BIGINT AS follower_ns, ln.id AS leader_id,
           f.leader_ns::BIGINT AS leader_ns, a.first_seen AS follower_first_seen_at,
           a.last_seen AS follower_last_seen_at, a.table_ids AS follower_source_table_ids,
           a.processed_at AS follower_last_processed_at
    FROM {final} f JOIN {followers} a ON a.node = f.follower_id
    JOIN {nodes} fn ON fn.node = f.follower_id JOIN {nodes} ln ON ln.node = f.leader_id"""


def lookup_sql(graph: str, id_of_leader: str, kind: str) -> str:
    """``{id}_lookup``: one row per (id, key type, profile); ``id_of_leader`` maps leaders to ids.

    ``id_of_leader`` is a table ``(leader_id, leader_ns, profile_id)``; ``kind`` is
    ``canonical_id`` or ``persistent_id`` and names the id columns, as TD does. Rows are stored by
    key type: a reader of one key type's ids (every enrichment join) skips the others' row groups.
    """
    return f"""
    WITH span AS (
      SELECT leader_id, leader_ns, min(follower_first_seen_at) AS first_seen,
             max(follower_last_seen_at) AS last_seen
      FROM {graph} GROUP BY leader_id, leader_ns
    )
    SELECT m.profile_id AS {kind}, g.follower_id AS id, g.follower_ns AS id_key_type,
           p.first_seen AS {kind}_first_seen_at, p.last_seen AS {kind}_last_seen_at,
           g.follower_first_seen_at AS id_first_seen_at, g.follower_last_seen_at AS id_last_seen_at,
           g.follower_source_table_ids AS id_source_table_ids,
           g.follower_last_processed_at AS id_last_processed_at
    FROM {graph} g JOIN span p USING (leader_id, leader_ns) JOIN {id_of_leader} m USING (leader_id, leader_ns)
    ORDER BY g.follower_ns"""


def keys_sql(keys: Sequence[str]) -> str:
    """``{id}_keys(key_type, key_name)``: ns → merge key, in merge_by_keys order."""
    rows = ", ".join(f"({ns}, {literal(k)})" for ns, k in enumerate(keys, 1))
    return (
        f"SELECT key_type::BIGINT AS key_type, key_name FROM (VALUES {rows}) t(key_type, key_name)"
    )


def tables_sql(tables: Sequence[tuple[int, str]]) -> str:
    """``{id}_tables(table_id, table_name)``: 1-based position in unify.yml → table alias."""
    rows = ", ".join(f"({i}, {literal(name)})" for i, name in tables)
    return f"SELECT table_id::BIGINT AS table_id, table_name FROM (VALUES {rows}) t(table_id, table_name)"


def _from_table(tables: str, tid: str) -> str:
    """The table alias of table id ``tid`` (an SQL expression), or '*' for the total row."""
    return f"coalesce((SELECT table_name FROM {tables} t WHERE t.table_id = {tid}), '*')"


def source_key_stats_sql(
    edges: str, followers: str, tables: str, keys: Sequence[str], run_time: int
) -> str:
    """``{id}_source_key_stats``: distinct leaders and followers per key, per source table and '*'.

    Over loop_0 (coded ``edges`` and ``followers``): a follower counts in each table it was seen
    in, a leader in each table one of its followers was seen in.
    """
    counts = ", ".join(
        f"count(*) FILTER (WHERE ns = {ns}) AS {quote('distinct_' + k)}"
        for ns, k in enumerate(keys, 1)
    )
    return f"""
    WITH seen AS (SELECT node, ns, unnest(table_ids) AS tid FROM {followers}),
    leaders AS (
      SELECT tid, count(*) AS total_distinct FROM (
        SELECT DISTINCT s.tid, e.leader_id FROM {edges} e JOIN seen s ON s.node = e.follower_id
      ) GROUP BY tid
      UNION ALL SELECT NULL, count(DISTINCT leader_id) FROM {edges}
    ), followed AS (
      SELECT tid, {counts} FROM seen GROUP BY tid
      UNION ALL SELECT NULL, {counts} FROM {followers}
    )
    SELECT {_from_table(tables, "l.tid")} AS from_table, l.total_distinct, f.* EXCLUDE (tid),
           {int(run_time)}::BIGINT AS time
    FROM leaders l JOIN followed f ON f.tid IS NOT DISTINCT FROM l.tid
    ORDER BY l.tid NULLS FIRST"""


def result_key_stats_sql(
    final: str, followers: str, tables: str, keys: Sequence[str], run_time: int
) -> str:
    """``{id}_result_key_stats``: profiles per table, profiles with each key, ids-per-profile histograms.

    Over the converged graph (coded ``final`` and ``followers``); a profile is its leader.
    """
    # (follower, leader) rows of the graph are unique, so count(*) counts distinct ids.
    per_key = ", ".join(
        f"count(*) FILTER (WHERE ns = {ns}) AS n{ns}" for ns in range(1, len(keys) + 1)
    )
    hist_ctes = "".join(
        f""", h{ns} AS (
      SELECT tid, string_agg(n || ':' || c, ',' ORDER BY n) AS h FROM (
        SELECT tid, n{ns} AS n, count(*) AS c FROM s GROUP BY tid, n{ns}) GROUP BY tid)"""
        for ns in range(1, len(keys) + 1)
    )
    with_cols = ", ".join(
        f"count(*) FILTER (WHERE n{ns} > 0) AS {quote('distinct_with_' + k)}"
        for ns, k in enumerate(keys, 1)
    )
    hist_cols = ", ".join(
        f"any_value(h{ns}.h) AS {quote('histogram_' + k)}" for ns, k in enumerate(keys, 1)
    )
    joins = " ".join(
        f"LEFT JOIN h{ns} ON h{ns}.tid IS NOT DISTINCT FROM s.tid" for ns in range(1, len(keys) + 1)
    )
    return f"""
    WITH g AS (
      SELECT f.leader_id AS leader, a.ns, a.table_ids
      FROM {final} f JOIN {followers} a ON a.node = f.follower_id
    ), per AS (
      SELECT leader, {per_key} FROM g GROUP BY leader
    ), seen AS (
      SELECT DISTINCT leader, tid FROM (SELECT leader, unnest(table_ids) AS tid FROM g)
    ), s AS (
      SELECT per.*, seen.tid FROM per JOIN seen USING (leader)
      UNION ALL SELECT per.*, NULL FROM per
    ){hist_ctes}
    SELECT {_from_table(tables, "s.tid")} AS from_table, count(*) AS total_distinct, {with_cols}, {hist_cols},
           {int(run_time)}::BIGINT AS time
    FROM s {joins} GROUP BY s.tid ORDER BY s.tid NULLS FIRST"""
