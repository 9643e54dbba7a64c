"""The date parser chain (spec-staging-unification.md §1.3) as data, and its SQL.

Each format is a shape (a regex the whole value must match) and a Java pattern; the first shape
that matches decides how the value is read, so a value is never read by two formats. Strings with
``Z`` or an offset are absolute; the others are wall-clock times in ``staging.timezone``. As in the
original chain, ``dd-MM-yyyy`` is read day first and ``MM/dd/yyyy`` month first (§6.5): the
separator decides. Fractional seconds are cut (the outputs have whole seconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdpo.phases.staging.dialects import Dialect

__all__ = ["DATE_FORMATS", "DateFormat", "looks_like_date", "unixtime_sql"]

_HMS = "[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?([.][0-9]+)?"


@dataclass(frozen=True)
class DateFormat:
    """A shape regex (no backslashes: one text for Presto and Hive) and its Java pattern."""

    shape: str
    pattern: str


ISO_WITH_OFFSET = (
    f"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ]{_HMS}[ ]?(Z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$"
)

DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?$",
               "yyyy-MM-dd HH:mm:ss"),
    DateFormat("^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}$", "yyyy-MM-dd HH:mm"),
    DateFormat("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "yyyy-MM-dd"),
    DateFormat("^[0-9]{4}/[0-9]{2}/[0-9]{2}$", "yyyy/MM/dd"),
    DateFormat("^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$", "yyyy/MM/dd HH:mm:ss"),
    DateFormat("^[0-9]{2}-[0-9]{2}-[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?$",
               "dd-MM-yyyy HH:mm:ss"),
    DateFormat("^[0-9]{2}-[0-9]{2}-[0-9]{4}$", "dd-MM-yyyy"),
    DateFormat("^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?$",
               "MM/dd/yyyy HH:mm:ss"),
    DateFormat("^[0-9]{2}/[0-9]{2}/[0-9]{4}$", "MM/dd/yyyy"),
    DateFormat("^[0-9]{2}[.][0-9]{2}[.][0-9]{4}$", "dd.MM.yyyy"),
)  # fmt: skip
"""Wall-clock formats, tried in order after ISO strings with an offset."""

_EPOCH_MS = 100_000_000_000
"""Integers above this are epoch milliseconds (year 5138 in seconds), below it seconds."""


_ANY_SHAPE = re.compile(
    "|".join(f"(?:{s})" for s in (*(f.shape for f in DATE_FORMATS), ISO_WITH_OFFSET))
)
"""Every shape of the chain in one pattern: the classifier tests thousands of sampled values."""


def looks_like_date(value: str) -> bool:
    """Whether a sampled string has a shape of the chain (used by the classifier)."""
    return _ANY_SHAPE.match(value.strip()) is not None


def _normalised(value: str, fmt: DateFormat) -> str:
    """``value`` as ``fmt``'s Java pattern reads it: the fraction of a second cut (the outputs have
    whole seconds) and a ``T`` made a space, only where the shape allows them. A shape's fraction
    ends the value and every field before it is fixed-width, so the value without it is as long as
    the pattern: a ``substr``, no regex (the cascade runs on every row of every date column)."""
    if "([.][0-9]+)?" in fmt.shape:
        value = f"substr({value}, 1, {len(fmt.pattern)})"
    if "[T ]" in fmt.shape:
        value = f"replace({value}, 'T', ' ')"
    return value


def unixtime_sql(d: Dialect, value: str, timezone: str, *, integer: bool = False) -> str:
    """Unix seconds (BIGINT) of the date ``value`` (a trimmed string or an integer), else NULL."""
    if integer:
        return (
            f"CASE WHEN {value} >= {_EPOCH_MS} THEN CAST(FLOOR({value} / 1000.0) AS BIGINT) "
            f"ELSE CAST({value} AS BIGINT) END"
        )
    zone = d.literal(timezone)
    branches = [f"WHEN {d.matches(value, ISO_WITH_OFFSET)} THEN {d.iso_offset_unixtime(value)}"]
    for fmt in DATE_FORMATS:
        text = d.reformat(_normalised(value, fmt), fmt.pattern)
        branches.append(f"WHEN {d.matches(value, fmt.shape)} THEN TD_TIME_PARSE({text}, {zone})")
    return "CASE\n      " + "\n      ".join(branches) + "\n    END"
