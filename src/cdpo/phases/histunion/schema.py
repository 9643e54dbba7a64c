"""Schema alignment of a history table with its incremental table, from their live schemas.

Rules (spec §3.3, §5.9): the incremental schema is the base, in its order; columns only the
history has follow it; a column one side lacks is a typed NULL on that side; a column whose types
differ gets the wider type (integers → bigint, integer with floating → double, anything else →
varchar) and an explicit CAST on the side that differs, because DuckDB would silently cast a
mismatched UNION where Presto raises (reference/dependencies-measured.md). When the target
already exists, its column types win and columns it lacks are added by ``ALTER TABLE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdpo.errors import GenerateError
from cdpo.phases.ingestion import quote
from cdpo.targets.base import Column

__all__ = ["Alignment", "align", "widen"]

_INTEGERS = ("tinyint", "smallint", "integer", "int", "bigint")
_FLOATS = ("real", "double", "float")
_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\([a-z0-9_, ()]*\))?$")


def _normal(type_: str) -> str:
    text = " ".join(type_.lower().split())
    text = {"int": "integer", "float": "double", "string": "varchar"}.get(text, text)
    if text.startswith("varchar"):
        text = "varchar"
    if not _TYPE.match(text.replace(" ", "")):
        raise GenerateError(f"column type {type_!r} is not a SQL type cdpo can cast to")
    return text


def widen(left: str, right: str) -> str:
    """The narrowest type both ``left`` and ``right`` cast to without loss.

    Example:
        >>> widen("integer", "bigint"), widen("bigint", "double"), widen("bigint", "varchar")
        ('bigint', 'double', 'varchar')
    """
    a, b = _normal(left), _normal(right)
    if a == b:
        return a
    if a in _INTEGERS and b in _INTEGERS:
        return "bigint"
    if {a, b} <= set(_INTEGERS + _FLOATS) or (a.startswith("decimal") and b in _INTEGERS + _FLOATS):
        return "double"
    return "varchar"


@dataclass(frozen=True)
class Alignment:
    """The target's columns with their types, and each side's SELECT expressions in that order."""

    columns: tuple[tuple[str, str], ...]
    hist: tuple[str, ...]
    inc: tuple[str, ...]
    add_columns: tuple[tuple[str, str], ...]
    identical: bool

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


def _expr(name: str, own: dict[str, str], type_: str) -> str:
    if name not in own:
        return f"CAST(NULL AS {type_}) AS {quote(name)}"
    if _normal(own[name]) != type_:
        return f"CAST({quote(name)} AS {type_}) AS {quote(name)}"
    return quote(name)


def _union_type(inc: str | None, hist: str | None) -> str:
    if inc is not None and hist is not None:
        return widen(inc, hist)
    return _normal(inc or hist or "varchar")


def _target_types(table: str, types: dict[str, str], target: Sequence[Column]) -> dict[str, str]:
    """The existing target's column types, checked to hold what the sources now carry."""
    target_types = {c.name: _normal(c.type) for c in target}
    for name, type_ in types.items():
        if name in target_types and widen(target_types[name], type_) != target_types[name]:
            raise GenerateError(
                f"{table}_histunion: column {name!r} is {target_types[name]} but the sources now "
                f"hold {type_}",
                hint=f"Drop {table}_histunion (it is rebuilt from both sources) and regenerate.",
            )
    return target_types


def align(
    table: str,
    inc: Sequence[Column],
    hist: Sequence[Column],
    target: Sequence[Column] | None = None,
) -> Alignment:
    """Align ``hist`` to ``inc`` (and to an existing ``target``) for ``table``.

    Raises:
        GenerateError: a side has no ``time`` column, or the existing target holds a column in a
            type the new data cannot be cast to.
    """
    inc_types = {c.name: c.type for c in inc}
    hist_types = {c.name: c.type for c in hist}
    for side, own in (("incremental", inc_types), ("history", hist_types)):
        if "time" not in own:
            raise GenerateError(
                f"{table}: the {side} table has no 'time' column; every TD table has one"
            )
    names = [c.name for c in inc] + [c.name for c in hist if c.name not in inc_types]
    types = {n: _union_type(inc_types.get(n), hist_types.get(n)) for n in names}
    target_types = _target_types(table, types, target or ())
    final = {n: target_types.get(n, t) for n, t in types.items()}
    columns = tuple((n, final[n]) for n in names)
    add = tuple((n, t) for n, t in columns if target is not None and n not in target_types)
    identical = [(c.name, _normal(c.type)) for c in inc] == [
        (c.name, _normal(c.type)) for c in hist
    ]
    return Alignment(
        columns=columns,
        hist=tuple(_expr(n, hist_types, t) for n, t in columns),
        inc=tuple(_expr(n, inc_types, t) for n, t in columns),
        add_columns=add,
        identical=identical,
    )
