"""The reference path: TD's iterative leader/follower loop in SQL, with a real convergence check.

Iteration i builds ``loop_i`` from ``loop_{i-1}`` (spec-staging-unification.md §3.3): every leader
also follows itself; each follower's ``newer`` leader is its smallest ``(priority, id)``; every
leader that is larger than the ``newer`` leader of one of its followers is remapped to the smallest
such ``newer``; edges are rewritten through that one-step map. With ``do_not_merge_key`` a leader of
that key is never remapped to another leader of the same key (TD p6_do_not_merge), so a follower may
keep two leaders. Unlike TD's executors, convergence is the symmetric difference of two iterations
being empty, the cap is ``merge_iterations`` and hitting it is an error, not a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from cdpo.errors import WorkflowError

__all__ = ["LoopResult", "iteration_sql", "run_loop"]


@dataclass(frozen=True)
class LoopResult:
    """The final edge table, how many iterations ran (the last changed nothing) and their changes."""

    table: str
    iterations: int
    changes: list[int] = field(default_factory=list)


def iteration_sql(prev: str, do_not_merge_ns: int | None) -> str:
    """SELECT giving the next iteration's ``(follower_id, follower_ns, leader_id, leader_ns)``."""
    guard = ""
    if do_not_merge_ns is not None:
        guard = (
            f"AND NOT (a.leader_ns = {int(do_not_merge_ns)} AND n.nl.ns = {int(do_not_merge_ns)})"
        )
    return f"""
    WITH aug AS (
      SELECT follower_id, follower_ns, leader_id, leader_ns FROM {prev}
      UNION SELECT leader_id, leader_ns, leader_id, leader_ns FROM {prev}
    ), newer AS (
      SELECT follower_id, follower_ns, min({{'ns': leader_ns, 'id': leader_id}}) AS nl
      FROM aug GROUP BY follower_id, follower_ns
    ), remap AS (
      SELECT a.leader_id, a.leader_ns, min(n.nl) AS nl
      FROM aug a JOIN newer n USING (follower_id, follower_ns)
      WHERE {{'ns': a.leader_ns, 'id': a.leader_id}} > n.nl {guard}
      GROUP BY a.leader_id, a.leader_ns
    )
    SELECT DISTINCT p.follower_id, p.follower_ns,
           coalesce(r.nl.id, p.leader_id) AS leader_id, coalesce(r.nl.ns, p.leader_ns) AS leader_ns
    FROM {prev} p LEFT JOIN remap r USING (leader_id, leader_ns)"""


def _changes(con: duckdb.DuckDBPyConnection, a: str, b: str) -> int:
    cols = "follower_id, follower_ns, leader_id, leader_ns"
    sql = (
        f"SELECT (SELECT count(*) FROM (SELECT {cols} FROM {a} EXCEPT SELECT {cols} FROM {b})) + "
        f"(SELECT count(*) FROM (SELECT {cols} FROM {b} EXCEPT SELECT {cols} FROM {a}))"
    )
    return int(con.execute(sql).fetchone()[0])  # type: ignore[index]


def run_loop(
    con: duckdb.DuckDBPyConnection,
    graph: str,
    prefix: str,
    cap: int,
    *,
    do_not_merge_ns: int | None = None,
    task: str = "+unify_loop",
    keep: bool = False,
) -> LoopResult:
    """Iterate from ``graph`` (loop_0) until an iteration changes nothing; temp tables ``{prefix}_loop_i``.

    ``cap`` iterations may change the graph; one more is allowed only to confirm the fixed point.
    Intermediate tables are dropped unless ``keep`` (TD's ``keep_debug_tables``).

    Raises:
        WorkflowError: the graph still changed after ``cap`` iterations (TD would under-merge
            silently); the message gives the last change count and the setting to raise.
    """
    prev = graph
    changes: list[int] = []
    for i in range(1, cap + 2):
        current = f"{prefix}_loop_{i}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {current} AS {iteration_sql(prev, do_not_merge_ns)}"
        )
        changes.append(_changes(con, prev, current))
        if prev != graph and not keep:
            con.execute(f"DROP TABLE {prev}")
        prev = current
        if changes[-1] == 0:
            return LoopResult(current, i, changes)
    con.execute(f"DROP TABLE {prev}")
    raise WorkflowError(
        f"the unification loop did not converge in {cap} iterations "
        f"({changes[-1]} edges still changed in the last one; changes per iteration: {changes})",
        task=task,
        hint="Raise merge_iterations (or incremental_merge_iterations), at most 49, or use the fast engine.",
    )
