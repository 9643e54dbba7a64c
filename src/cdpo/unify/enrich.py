"""Enriched tables (source rows plus their ids) and master tables (one golden row per id).

``enriched_{table}`` (spec-staging-unification.md §3.7) joins each source row to the lookup through
*any* of its valid merge keys, highest merge priority first, rather than only its first non-null
column (defect §6.12), for canonical and persistent ids alike; a row none of whose keys reached the
graph gets NULL, never a made-up id. Master tables order sources by ``priority`` (not list order),
honour ``order: first|last`` and attribute ``valid_regexp``/``invalid_texts``, and build arrays as
sorted, de-duplicated top-N lists (fixes of §3.7 listed in §7.13); ties break on the value itself so
results are deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdpo.unify.config import Attribute, MasterTable, SourceColumn, UnifyKey, UnifyTable
from cdpo.unify.extract import validity_sql
from cdpo.unify.names import quote

__all__ = ["IdColumn", "enriched_sql", "master_sql"]


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


def _source_cte(
    name: str, attr: Attribute, source: SourceColumn, id_column: str, enriched: str
) -> str:
    column = quote(source.column or attr.name)
    filters = [f"{quote(id_column)} IS NOT NULL", f"{column} IS NOT NULL"]
    if attr.valid_regexp is not None or attr.invalid_texts:
        rules = UnifyKey(
            name=attr.name, valid_regexp=attr.valid_regexp, invalid_texts=attr.invalid_texts
        )
        filters.append(validity_sql(rules, f"CAST({column} AS VARCHAR)"))
    return (
        f"{name} AS (SELECT {quote(id_column)} AS pid, {column} AS v, {quote(source.order_by)} AS o "
        f"FROM {enriched} WHERE {' AND '.join(filters)})"
    )


def _scalar_pick(name: str, rank: int, source: SourceColumn) -> str:
    if source.order == "last":
        pick = "arg_max(v, {'known': o IS NOT NULL, 'o': o, 'v': v})"
    else:
        pick = "arg_min(v, {'missing': o IS NULL, 'o': o, 'v': v})"
    return f"SELECT pid, {pick} AS v, {rank} AS r FROM {name} GROUP BY pid"


def _array_pick(name: str, rank: int, source: SourceColumn, size: int) -> str:
    best, direction = ("max", "DESC") if source.order == "last" else ("min", "ASC")
    return (
        f"SELECT pid, v, {rank} AS r, row_number() OVER "
        f"(PARTITION BY pid ORDER BY o {direction} NULLS LAST, v) AS rn "
        f"FROM (SELECT pid, v, {best}(o) AS o FROM {name} GROUP BY pid, v) QUALIFY rn <= {size}"
    )


def _attribute_ctes(
    ai: int, attr: Attribute, id_column: str, enriched: Mapping[str, str]
) -> list[str]:
    ctes, picks = [], []
    for rank, source in enumerate(attr.ranked_sources()):
        name = f"a{ai}_s{rank}"
        ctes.append(_source_cte(name, attr, source, id_column, enriched[source.table]))
        if attr.array_elements is None:
            picks.append(_scalar_pick(name, rank, source))
        else:
            picks.append(_array_pick(name, rank, source, attr.array_elements))
    union = " UNION ALL ".join(picks)
    if attr.array_elements is None:
        ctes.append(f"a{ai} AS (SELECT pid, arg_min(v, r) AS v FROM ({union}) GROUP BY pid)")
    else:
        # k is unique per pid (one rn per value and source), so the top-N is the sorted prefix.
        ctes.append(
            f"a{ai} AS (SELECT pid, min_by(v, k, {attr.array_elements}) AS v FROM ("
            f"SELECT pid, v, min({{'r': r, 'rn': rn}}) AS k FROM ({union}) GROUP BY pid, v"
            ") GROUP BY pid)"
        )
    return ctes


def master_sql(master: MasterTable, lookup: str, kind: str, enriched: Mapping[str, str]) -> str:
    """SELECT of a master table: every id of ``lookup`` with each attribute's chosen value(s).

    ``enriched`` maps a table alias to the (qualified) enriched table to read.
    """
    ctes = [f"ids AS (SELECT DISTINCT {quote(kind)} AS pid FROM {lookup})"]
    for ai, attr in enumerate(master.attributes):
        ctes.extend(_attribute_ctes(ai, attr, master.id_name, enriched))
    columns = ", ".join(f"a{ai}.v AS {quote(a.name)}" for ai, a in enumerate(master.attributes))
    joins = " ".join(f"LEFT JOIN a{ai} USING (pid)" for ai in range(len(master.attributes)))
    return f"WITH {', '.join(ctes)} SELECT ids.pid AS {quote(master.id_name)}, {columns} FROM ids {joins}"
