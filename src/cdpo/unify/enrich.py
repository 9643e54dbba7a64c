"""Enriched tables: source rows plus their ids (master tables are built from them: ``masters``).

``enriched_{table}`` (spec-staging-unification.md §3.7) joins each source row to the lookup through
*any* of its valid merge keys, highest merge priority first, rather than only its first non-null
column (defect §6.12), for canonical and persistent ids alike; a row none of whose keys reached the
graph gets NULL, never a made-up id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdpo.unify.config import UnifyTable
from cdpo.unify.names import quote

__all__ = ["IdColumn", "enriched_sql"]


@dataclass(frozen=True)
class IdColumn:
    """One id an enriched table carries: its column name, lookup table, id kind and merge keys.

    ``unique``: the lookup holds one row per (id, key type), as it does unless the id has a
    ``do_not_merge_key`` (then a value may sit in two profiles and the smallest is taken).
    """

    name: str
    lookup: str
    kind: str
    merge_by_keys: tuple[str, ...]
    unique: bool = True


def enriched_sql(
    source: str,
    table: UnifyTable,
    ids: Sequence[IdColumn],
    source_columns: Sequence[str],
    where: str | None = None,
) -> str:
    """SELECT of the source rows (``where`` selects a delta) with one column per id in ``ids``.

    A unique lookup is joined as it is, once per key column: each join reads only its key type.
    """
    ctes, joins, outputs = [], [], []
    for d, idc in enumerate(ids):
        if idc.unique:
            lookup = f"(SELECT id, id_key_type, {quote(idc.kind)} AS pid FROM {idc.lookup})"
        else:
            lookup = f"lk{d}"
            ctes.append(
                f"lk{d} AS (SELECT id, id_key_type, min({quote(idc.kind)}) AS pid "
                f"FROM {idc.lookup} GROUP BY id, id_key_type)"
            )
        usable = sorted(
            (idc.merge_by_keys.index(kc.key) + 1, pos, kc.column)
            for pos, kc in enumerate(table.key_columns)
            if kc.key in idc.merge_by_keys
        )
        names = []
        for ns, pos, column in usable:
            alias = f"k{d}_{pos}"
            joins.append(
                f"LEFT JOIN {lookup} {alias} ON {alias}.id = CAST(s.{quote(column)} AS VARCHAR) "
                f"AND {alias}.id_key_type = {ns}"
            )
            names.append(f"{alias}.pid")
        value = f"coalesce({', '.join(names)})" if names else "NULL::VARCHAR"
        outputs.append(f"{value} AS {quote(idc.name)}")
    clashing = [c for c in source_columns if c in {i.name for i in ids}]
    star = f"s.* EXCLUDE ({', '.join(quote(c) for c in clashing)})" if clashing else "s.*"
    with_ctes = f"WITH {', '.join(ctes)} " if ctes else ""
    return (
        f"{with_ctes}SELECT {star}, {', '.join(outputs)} FROM {source} s "
        f"{' '.join(joins)}{f' WHERE {where}' if where else ''}"
    )
