"""Master tables (one golden row per id): each attribute's value chosen from the enriched tables.

Sources are ordered by ``priority`` (not list order); ``order: first|last`` and the attribute's
``valid_regexp``/``invalid_texts`` are honoured; arrays are sorted, de-duplicated top-N lists
(fixes of spec-staging-unification.md §3.7 listed in §7.13); ties break on the value itself, so
results are deterministic. Each enriched table is read once: one GROUP BY per table computes every
scalar pick it feeds (one FILTERed aggregate per source), and a scalar attribute is its first
non-NULL pick in priority order, cast to the type a UNION of its sources has.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdpo.unify.config import Attribute, MasterTable, SourceColumn, UnifyKey
from cdpo.unify.extract import validity_sql
from cdpo.unify.names import quote

__all__ = ["attribute_type_sql", "master_sql"]


def _column(attr: Attribute, source: SourceColumn) -> str:
    return quote(source.column or attr.name)


def _valid(attr: Attribute, source: SourceColumn) -> list[str]:
    """Conditions a source row's value must meet: present, and valid for the attribute."""
    column = _column(attr, source)
    conditions = [f"{column} IS NOT NULL"]
    if attr.valid_regexp is not None or attr.invalid_texts:
        rules = UnifyKey(
            name=attr.name, valid_regexp=attr.valid_regexp, invalid_texts=attr.invalid_texts
        )
        conditions.append(validity_sql(rules, f"CAST({column} AS VARCHAR)"))
    return conditions


def attribute_type_sql(attr: Attribute, enriched: Mapping[str, str]) -> str:
    """A SELECT whose one column has the type of ``attr``: a UNION of its sources, by priority."""
    return " UNION ALL ".join(
        f"SELECT {_column(attr, s)} AS v FROM {enriched[s.table]}" for s in attr.ranked_sources()
    )


def _scalar_pick(attr: Attribute, source: SourceColumn) -> str:
    """The aggregate choosing one source's value for an id: latest or earliest, then the value."""
    v, o = _column(attr, source), quote(source.order_by)
    if source.order == "last":
        pick = f"arg_max({v}, {{'known': {o} IS NOT NULL, 'o': {o}, 'v': {v}}})"
    else:
        pick = f"arg_min({v}, {{'missing': {o} IS NULL, 'o': {o}, 'v': {v}}})"
    return f"{pick} FILTER (WHERE {' AND '.join(_valid(attr, source))})"


def _array_ctes(ai: int, attr: Attribute, id_column: str, enriched: Mapping[str, str]) -> list[str]:
    """``a{ai}(pid, v)``: the top-N values, best source first, then latest (or earliest) first."""
    ctes, picks = [], []
    for rank, source in enumerate(attr.ranked_sources()):
        name = f"a{ai}_s{rank}"
        where = " AND ".join([f"{quote(id_column)} IS NOT NULL", *_valid(attr, source)])
        ctes.append(
            f"{name} AS (SELECT {quote(id_column)} AS pid, {_column(attr, source)} AS v, "
            f"{quote(source.order_by)} AS o FROM {enriched[source.table]} WHERE {where})"
        )
        best, direction = ("max", "DESC") if source.order == "last" else ("min", "ASC")
        picks.append(
            f"SELECT pid, v, {rank} AS r, row_number() OVER "
            f"(PARTITION BY pid ORDER BY o {direction} NULLS LAST, v) AS rn FROM ("
            f"SELECT pid, v, {best}(o) AS o FROM {name} GROUP BY pid, v"
            f") QUALIFY rn <= {attr.array_elements}"
        )
    # k is unique per pid (one rn per value and source), so the top-N is the sorted prefix.
    ctes.append(
        f"a{ai} AS (SELECT pid, min_by(v, k, {attr.array_elements}) AS v FROM ("
        f"SELECT pid, v, min({{'r': r, 'rn': rn}}) AS k FROM ({' UNION ALL '.join(picks)}) "
        "GROUP BY pid, v) GROUP BY pid)"
    )
    return ctes


def master_sql(
    master: MasterTable,
    lookup: str,
    kind: str,
    enriched: Mapping[str, str],
    types: Mapping[str, str],
) -> str:
    """SELECT of a master table: every id of ``lookup`` with each attribute's chosen value(s).

    ``enriched`` maps a table alias to the (qualified) enriched table to read; ``types`` maps a
    scalar attribute to its type (``attribute_type_sql``).
    """
    tables: dict[str, list[str]] = {}  # table alias → its scalar picks
    columns, ctes = [], [f"ids AS (SELECT DISTINCT {quote(kind)} AS pid FROM {lookup})"]
    for ai, attr in enumerate(master.attributes):
        if attr.array_elements is not None:
            ctes.extend(_array_ctes(ai, attr, master.id_name, enriched))
            columns.append(f"a{ai}.v AS {quote(attr.name)}")
            continue
        picks = []
        for rank, source in enumerate(attr.ranked_sources()):
            found = tables.setdefault(source.table, [])
            found.append(f"{_scalar_pick(attr, source)} AS p{ai}_{rank}")
            picks.append(f"CAST({quote('t_' + source.table)}.p{ai}_{rank} AS {types[attr.name]})")
        columns.append(f"coalesce({', '.join(picks)}) AS {quote(attr.name)}")
    for table, picks in tables.items():
        pid = quote(master.id_name)
        ctes.append(
            f"{quote('t_' + table)} AS (SELECT {pid} AS pid, {', '.join(picks)} FROM {enriched[table]} "
            f"WHERE {pid} IS NOT NULL GROUP BY {pid})"
        )
    joins = [f"LEFT JOIN {quote('t_' + t)} USING (pid)" for t in tables]
    joins += [
        f"LEFT JOIN a{ai} USING (pid)" for ai, a in enumerate(master.attributes) if a.array_elements
    ]
    return (
        f"WITH {', '.join(ctes)} SELECT ids.pid AS {quote(master.id_name)}, {', '.join(columns)} "
        f"FROM ids {' '.join(joins)}"
    )
