"""TD's loop_0 with integer-coded nodes: edges and per-follower aggregates, and the way back to text.

Every ``(ns, id)`` value is numbered once, in ``(ns, id)`` order (``{prefix}_nodes``), so joins,
groupings and the connected components run on BIGINTs instead of strings. The numbering keeps the
order TD's leader choice relies on: the smallest ``(ns, node)`` is the smallest ``(ns, id)``
(spec-staging-unification.md §3.4), so the fast path and the SQL loop pick the same leaders on codes
as on text. TD's loop_0 (§3.2: one row per follower and row-leader, with the follower's first/last
seen times, source tables and processing time) is kept as two tables: ``edges(follower_id,
follower_ns, leader_id, leader_ns)`` and ``followers(node, ns, first_seen, last_seen, table_ids,
processed_at)``, one row per follower; ``loop_0_sql`` joins them back into TD's shape when a debug
table asks for it. An incremental run numbers the previous ``{id}_graph``'s values too and merges
its edges and aggregates in (p7_incremental: loop_0 = previous graph + the new rows' graph).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CodedGraph",
    "decode_edges_sql",
    "edges_sql",
    "followers_sql",
    "loop_0_sql",
    "merged_edges_sql",
    "merged_followers_sql",
    "nodes_sql",
]

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


@dataclass(frozen=True)
class CodedGraph:
    """Temp tables of one id's loop_0. ``edges``/``followers`` are what the run merges (the new rows'
    and, when incremental, the previous graph's); ``delta_*`` are the new rows' own (the same
    tables on a full run); ``previous`` is the previous ``{id}_graph`` or None."""

    nodes: str
    edges: str
    followers: str
    delta_edges: str
    delta_followers: str
    previous: str | None = None


def nodes_sql(values: str, previous: str | None) -> str:
    """``(node, ns, id, n)``: every value of ``values(ns, id)`` (and of the ``previous`` graph),
    numbered in ``(ns, id)`` order; ``n`` counts its rows in ``values`` (the hub guard's bound)."""
    counted = f"SELECT ns::BIGINT AS ns, id, count(*) AS n FROM {values} GROUP BY ns, id"
    if previous is not None:
        counted = f"""SELECT ns, id, sum(n)::BIGINT AS n FROM (
          {counted}
          UNION ALL SELECT follower_ns, follower_id, 0 FROM {previous}
          UNION ALL SELECT leader_ns, leader_id, 0 FROM {previous}
        ) GROUP BY ns, id"""
    return f"SELECT row_number() OVER (ORDER BY ns, id) AS node, ns, id, n FROM ({counted})"


def edges_sql(pairs: str) -> str:
    """loop_0's edges: each value follows its row's leader, the row's first value in key_columns
    order (``pos``); ``pairs`` holds ``(rk, pos, node, ns)``."""
    return f"""
    WITH lead AS (
      SELECT rk, arg_min(node, pos) AS leader_id, arg_min(ns, pos) AS leader_ns FROM {pairs} GROUP BY rk
    )
    SELECT DISTINCT p.node AS follower_id, p.ns AS follower_ns, l.leader_id, l.leader_ns
    FROM {pairs} p JOIN lead l USING (rk)"""


def followers_sql(pairs: str, processed_at: int) -> str:
    """Per follower: first and last ``time`` seen, its sorted source table ids, the run's time.

    Grouped per (node, table) first: the table ids then need no de-duplication.
    """
    return f"""
    SELECT node, any_value(ns) AS ns, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
           list_sort(list(table_id)) AS table_ids, {int(processed_at)}::BIGINT AS processed_at
    FROM (
      SELECT node, any_value(ns) AS ns, table_id::BIGINT AS table_id, min(t) AS first_seen,
             max(t) AS last_seen
      FROM {pairs} GROUP BY node, table_id
    ) GROUP BY node"""


def _coded_previous(previous: str, nodes: str) -> str:
    return (
        f"{previous} g JOIN {nodes} fn ON fn.ns = g.follower_ns AND fn.id = g.follower_id "
        f"JOIN {nodes} ln ON ln.ns = g.leader_ns AND ln.id = g.leader_id"
    )


def merged_edges_sql(delta_edges: str, previous: str, nodes: str) -> str:
    """The new rows' edges plus the previous graph's (follower → its leader then)."""
    return (
        f"SELECT * FROM {delta_edges} UNION SELECT fn.node, g.follower_ns, ln.node, g.leader_ns "
        f"FROM {_coded_previous(previous, nodes)}"
    )


def merged_followers_sql(delta_followers: str, previous: str, nodes: str) -> str:
    """Per follower, the new rows' aggregates merged with the previous graph's."""
    return f"""
    SELECT node, any_value(ns) AS ns, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
           list_sort(list_distinct(flatten(list(table_ids)))) AS table_ids,
           max(processed_at) AS processed_at
    FROM (
      SELECT * FROM {delta_followers}
      UNION ALL
      SELECT fn.node, g.follower_ns, g.follower_first_seen_at, g.follower_last_seen_at,
             g.follower_source_table_ids, g.follower_last_processed_at
      FROM {_coded_previous(previous, nodes)}
    ) GROUP BY node"""


def decode_edges_sql(edges: str, nodes: str) -> str:
    """``(follower_id, follower_ns, leader_id, leader_ns)`` of coded ``edges``, ids as text."""
    return (
        f"SELECT fn.id AS follower_id, e.follower_ns, ln.id AS leader_id, e.leader_ns "
        f"FROM {edges} e JOIN {nodes} fn ON fn.node = e.follower_id "
        f"JOIN {nodes} ln ON ln.node = e.leader_id"
    )


def loop_0_sql(graph: CodedGraph) -> str:
    """TD's ``{id}_graph_unify_loop_0``: the previous graph's rows (incremental) and the new rows'
    edges, each with its follower's aggregates, ids as text."""
    delta = f"""
    SELECT fn.id AS follower_id, e.follower_ns, ln.id AS leader_id, e.leader_ns,
           a.first_seen AS follower_first_seen_at, a.last_seen AS follower_last_seen_at,
           a.table_ids AS follower_source_table_ids, a.processed_at AS follower_last_processed_at
    FROM {graph.delta_edges} e JOIN {graph.delta_followers} a ON a.node = e.follower_id
    JOIN {graph.nodes} fn ON fn.node = e.follower_id JOIN {graph.nodes} ln ON ln.node = e.leader_id"""
    if graph.previous is None:
        return delta
    columns = ", ".join(GRAPH_COLUMNS)
    return f"SELECT {columns} FROM {graph.previous} UNION ALL {delta}"
