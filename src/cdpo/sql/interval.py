"""TD_INTERVAL's range: 'N<unit>[/offset]' relative to the scheduled time, in a time zone.

The range is anchored on TD_SCHEDULED_TIME() truncated to the unit (s m h d w M q y; weeks start on
Monday): ``'-1d'`` is yesterday, ``'1d'`` today, ``'-1M'`` last month. The offset moves the anchor:
a relative duration (``'-1d/-7d'``: yesterday as seen from 7 days ago, the duration truncated to its
own unit), ``now`` (the untruncated scheduled time, which also ends the range: ``'0M/now'`` is month
to date), or a date (``'-7d/2025-10-01'``). Worked out from the examples TD documents
(reference §D.6, td-skills ``time-filtering``). Computed in Python: DuckDB folds the call to two
constants, so a filter on ``time`` still prunes like ``TD_TIME_RANGE``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from cdpo.errors import TranslationError
from cdpo.sql.java_format import java_zone

__all__ = ["interval_bounds"]

_SPEC = re.compile(r"([+-]?\d+)([smhdwMqy])(?:/(.+))?")
_RELATIVE = re.compile(r"([+-]?\d+)([smhdwMqy])")
_FIXED = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_MONTHS = {"M": 1, "q": 3, "y": 12}


def interval_bounds(spec: str, zone: str, scheduled: int) -> tuple[int, int]:
    """``(start, end)`` in unix seconds, end exclusive, for TD_INTERVAL's ``spec``.

    Raises:
        TranslationError: ``spec`` or its offset is not an interval, or ``zone`` is unknown.

    Example:
        >>> interval_bounds("-1d", "UTC", 1534209825)  # scheduled 2018-08-14 01:23:45 UTC
        (1534118400, 1534204800)
        >>> interval_bounds("0M/now", "UTC", 1534209825)
        (1533081600, 1534209825)
    """
    match = _SPEC.fullmatch(spec.strip())
    if match is None:
        raise TranslationError(
            f"TD_INTERVAL: invalid interval {spec!r}; use [-]N with a unit of s m h d w M q y and "
            "an optional /offset, e.g. '-1d', '-7d/now' or '-1d/2025-10-01'"
        )
    count, unit, offset = int(match[1]), match[2], match[3]
    tz = java_zone(zone)
    now = datetime.fromtimestamp(scheduled, tz).replace(tzinfo=None)
    anchor = _anchor(offset, now)
    top = _truncate(anchor, unit)
    if count > 0:
        start, end = top, _add(top, count, unit)
    elif count < 0:
        start, end = _add(top, count, unit), anchor if offset == "now" else top
    else:
        start, end = top, anchor
    return _unix(start, tz), _unix(end, tz)


def _anchor(offset: str | None, now: datetime) -> datetime:
    if offset is None or offset == "now":
        return now
    if relative := _RELATIVE.fullmatch(offset):
        return _add(_truncate(now, relative[2]), int(relative[1]), relative[2])
    try:
        return datetime.fromisoformat(offset)
    except ValueError:
        raise TranslationError(
            f"TD_INTERVAL: invalid offset {offset!r}; use 'now', a duration such as '-7d', "
            "or a date such as '2025-10-01'"
        ) from None


def _truncate(moment: datetime, unit: str) -> datetime:
    """The start of ``unit`` holding the wall-clock ``moment``."""
    moment = moment.replace(microsecond=0)
    if unit == "s":
        return moment
    moment = moment.replace(second=0)
    if unit in "mh":
        return moment if unit == "m" else moment.replace(minute=0)
    day = moment.replace(hour=0, minute=0)
    if unit == "d":
        return day
    if unit == "w":
        return day - timedelta(days=day.weekday())
    month = {"M": day.month, "q": (day.month - 1) // 3 * 3 + 1, "y": 1}[unit]
    return day.replace(month=month, day=1)


def _add(moment: datetime, count: int, unit: str) -> datetime:
    if unit in _FIXED:
        return moment + timedelta(**{_FIXED[unit]: count})
    months = moment.year * 12 + moment.month - 1 + count * _MONTHS[unit]
    return moment.replace(year=months // 12, month=months % 12 + 1)


def _unix(wall_clock: datetime, tz: tzinfo) -> int:
    return int(wall_clock.replace(tzinfo=tz).timestamp())
