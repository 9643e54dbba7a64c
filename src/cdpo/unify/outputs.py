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


def graph_sql(final: str, loop_0: str) -> str:
    """``{id}_graph``: the converged edges with each follower's aggregates from loop_0."""
    return f"""
    SELECT f.follower_id, f.follower_ns::BIGINT AS follower_ns, f.leader_id, f.leader_ns::BIGINT AS leader_ns,
           a.follower_first_seen_at, a.follower_last_seen_at, a.follower_source_table_ids,
           a.follower_last_processed_at
    FROM {final} f JOIN (
      SELECT follower_id, follower_ns, min(follower_first_seen_at) AS follower_first_seen_at,
             max(follower_last_seen_at) AS follower_last_seen_at,
             list_sort(list_distinct(flatten(list(follower_source_table_ids)))) AS follower_source_table_ids,
             max(follower_last_processed_at) AS follower_last_processed_at
      FROM {loop_0} GROUP BY follower_id, follower_ns
    ) a USING (follower_id, follower_ns)"""


def lookup_sql(graph: str, id_of_leader: str, kind: str) -> str:
    """``{id}_lookup``: one row per (id, key type, profile); ``id_of_leader`` maps leaders to ids.

    ``id_of_leader`` is a table ``(leader_id, leader_ns, profile_id)``; ``kind`` is
    ``canonical_id`` or ``persistent_id`` and names the id columns, as TD does.
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
    FROM {graph} g JOIN span p USING (leader_id, leader_ns) JOIN {id_of_leader} m USING (leader_id, leader_ns)"""


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


def source_key_stats_sql(loop_0: str, tables: str, keys: Sequence[str], run_time: int) -> str:
    """``{id}_source_key_stats``: distinct leaders and followers per key, per source table and '*'."""
    counts = ", ".join(
        f"count(*) FILTER (WHERE follower_ns = {ns}) AS {quote('distinct_' + k)}"
        for ns, k in enumerate(keys, 1)
    )
    return f"""
    WITH s AS (
      SELECT follower_id, follower_ns, leader_id, leader_ns, unnest(follower_source_table_ids) AS tid
      FROM {loop_0}
      UNION ALL SELECT follower_id, follower_ns, leader_id, leader_ns, NULL FROM {loop_0}
    ), leaders AS (
      SELECT tid, count(*) AS total_distinct
      FROM (SELECT DISTINCT tid, leader_id, leader_ns FROM s) GROUP BY tid
    ), followers AS (
      SELECT tid, {counts} FROM (SELECT DISTINCT tid, follower_id, follower_ns FROM s) GROUP BY tid
    )
    SELECT {_from_table(tables, "l.tid")} AS from_table, l.total_distinct, f.* EXCLUDE (tid),
           {int(run_time)}::BIGINT AS time
    FROM leaders l JOIN followers f ON f.tid IS NOT DISTINCT FROM l.tid
    ORDER BY l.tid NULLS FIRST"""


def result_key_stats_sql(graph: str, tables: str, keys: Sequence[str], run_time: int) -> str:
    """``{id}_result_key_stats``: profiles per table, profiles with each key, ids-per-profile histograms."""
    # (follower, leader) rows of the graph are unique, so count(*) counts distinct ids.
    per_key = ", ".join(
        f"count(*) FILTER (WHERE follower_ns = {ns}) AS n{ns}" for ns in range(1, len(keys) + 1)
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
    WITH per AS (
      SELECT leader_id, leader_ns, {per_key},
             list_distinct(flatten(list(follower_source_table_ids))) AS tids
      FROM {graph} GROUP BY leader_id, leader_ns
    ), s AS (
      SELECT per.* EXCLUDE (tids), unnest(tids) AS tid FROM per
      UNION ALL SELECT per.* EXCLUDE (tids), NULL FROM per
    ){hist_ctes}
    SELECT {_from_table(tables, "s.tid")} AS from_table, count(*) AS total_distinct, {with_cols}, {hist_cols},
           {int(run_time)}::BIGINT AS time
    FROM s {joins} GROUP BY s.tid ORDER BY s.tid NULLS FIRST"""
