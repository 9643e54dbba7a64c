"""Profile ids per leader: canonical ids (a function of the leader) or persistent ids (carried over).

A canonical id is ``canonical_id(leader)`` and changes when a smaller id joins the profile. A
persistent id is meant to stay (TD p8_persistent_id): on the first run it encodes the profile's
*earliest-seen* value of its highest-priority key; later, each profile keeps the oldest persistent
id its members had in the previous lookup. When a previous profile splits, its id stays with the
part holding most of its old members (ties: smallest leader) and the other parts get new ids; when
profiles merge, the oldest id wins. A new id that would repeat an id used before is salted with the
run time, so an id never changes owner.
"""

from __future__ import annotations

from cdpo.unify.canonical import Masks, canonical_id_sql

__all__ = ["canonical_map_sql", "persistent_map_sql"]


def canonical_map_sql(graph: str, max_ns: int, masks: Masks | None = None) -> str:
    """``(leader_id, leader_ns, profile_id)`` with TD's canonical id of every leader."""
    encoded = canonical_id_sql("leader_id", "leader_ns", max_ns, masks)
    return f"SELECT leader_id, leader_ns, {encoded} AS profile_id FROM (SELECT DISTINCT leader_id, leader_ns FROM {graph})"


def persistent_map_sql(
    graph: str,
    previous_lookup: str | None,
    max_ns: int,
    run_time: int,
    masks: Masks | None = None,
) -> str:
    """``(leader_id, leader_ns, profile_id)`` with persistent ids, reusing ``previous_lookup``'s.

    ``graph`` is a ``{id}_graph``-shaped table; ``previous_lookup`` a previous ``{id}_lookup`` or
    ``None`` on a first run.
    """
    anchor = canonical_id_sql("aid", "ans", max_ns, masks)
    salted = canonical_id_sql(f"aid || '#' || {int(run_time)}", "ans", max_ns, masks)
    anchors = f"""anchors AS (
      SELECT leader_id, leader_ns, struct_extract(a, 'id') AS aid, struct_extract(a, 'ns') AS ans
      FROM (SELECT leader_id, leader_ns, min({{'ns': follower_ns, 'first': follower_first_seen_at,
                   'id': follower_id}}) AS a FROM {graph} GROUP BY leader_id, leader_ns))"""
    if previous_lookup is None:
        return f"WITH {anchors} SELECT leader_id, leader_ns, {anchor} AS profile_id FROM anchors"
    return f"""
    WITH {anchors}, prev AS (
      SELECT persistent_id AS pid, id, id_key_type AS ns, persistent_id_first_seen_at AS pfirst
      FROM {previous_lookup}
    ), cand AS (
      SELECT g.leader_id, g.leader_ns, p.pid, count(*) AS members, min(p.pfirst) AS pfirst
      FROM {graph} g JOIN prev p ON p.id = g.follower_id AND p.ns = g.follower_ns
      GROUP BY g.leader_id, g.leader_ns, p.pid
    ), owner AS (
      SELECT pid, arg_min({{'leader_id': leader_id, 'leader_ns': leader_ns}},
                          {{'members': -members, 'ns': leader_ns, 'id': leader_id}}) AS o
      FROM cand GROUP BY pid
    ), kept AS (
      SELECT c.leader_id, c.leader_ns, arg_min(c.pid, {{'first': c.pfirst, 'pid': c.pid}}) AS pid
      FROM cand c JOIN owner w ON w.pid = c.pid AND w.o.leader_id = c.leader_id
           AND w.o.leader_ns = c.leader_ns
      GROUP BY c.leader_id, c.leader_ns
    ), fresh AS (
      SELECT leader_id, leader_ns, {anchor} AS plain, {salted} AS salted FROM anchors
    )
    SELECT f.leader_id, f.leader_ns,
           coalesce(k.pid, CASE WHEN f.plain IN (SELECT pid FROM prev) THEN f.salted ELSE f.plain END)
             AS profile_id
    FROM fresh f LEFT JOIN kept k USING (leader_id, leader_ns)"""
