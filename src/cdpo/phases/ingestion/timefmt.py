"""Load-window bounds in each connector's timestamp format, and the monthly historical batches.

Every load window is exclusive at its lower bound and inclusive at its upper bound, ``(lo, hi]``,
as connectors treat a watermark; consecutive windows share their boundary, so no row is loaded
twice or skipped (spec §5.7: the original ended each month at 23:59:59.000000, losing the last
second, and started increments at a date the history also covered). A date boundary is written
one tick (the format's precision) before its midnight, so a batch ``(Jan 31 23:59:59.999,
Feb 29 23:59:59.999]`` holds exactly February's instants, and the last historical month ends
exactly where the first incremental run starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cdpo.phases.ingestion.families import TimeFormat

__all__ = [
    "MonthRange",
    "first_bound",
    "format_bound",
    "month_ranges",
    "session_bound",
    "watermark_sql",
]

# strftime pattern and the format's tick (its precision), per format (spec §2.6).
_PATTERNS: dict[TimeFormat, tuple[str, timedelta]] = {
    TimeFormat.KLAVIYO: ("%Y-%m-%dT%H:%M:%S.%f", timedelta(microseconds=1)),
    TimeFormat.ISO_MILLIS_Z: ("%Y-%m-%dT%H:%M:%S.{ms}Z", timedelta(milliseconds=1)),
    TimeFormat.SPACE_MILLIS: ("%Y-%m-%d %H:%M:%S.{ms}", timedelta(milliseconds=1)),
    TimeFormat.NONE: ("%Y-%m-%d %H:%M:%S", timedelta(seconds=1)),
}

# moment.js patterns for the session-time upper bound, evaluated by Digdag (docs.digdag.io:
# "moment.js is bundled"); the same strings as _PATTERNS produce.
_MOMENT: dict[TimeFormat, str] = {
    TimeFormat.KLAVIYO: "YYYY-MM-DD[T]HH:mm:ss.SSS[000]",
    TimeFormat.ISO_MILLIS_Z: "YYYY-MM-DD[T]HH:mm:ss.SSS[Z]",
    TimeFormat.SPACE_MILLIS: "YYYY-MM-DD HH:mm:ss.SSS",
    TimeFormat.NONE: "YYYY-MM-DD HH:mm:ss",
}


@dataclass(frozen=True)
class MonthRange:
    """One historical batch: ``(start_time, end_time]`` in the connector's format."""

    month_name: str
    start_time: str
    end_time: str

    def as_dict(self) -> dict[str, str]:
        return {
            "month_name": self.month_name,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }


def format_bound(moment: datetime, fmt: TimeFormat) -> str:
    """A bound in ``fmt``.

    Example:
        >>> format_bound(datetime(2024, 2, 1), TimeFormat.ISO_MILLIS_Z)
        '2024-02-01T00:00:00.000Z'
    """
    pattern, _ = _PATTERNS[fmt]
    return moment.strftime(pattern.replace("{ms}", f"{moment.microsecond // 1000:03d}"))


def first_bound(start: date, fmt: TimeFormat) -> str:
    """The bound one tick before ``start``'s midnight: as a lower bound it includes ``start``.

    Example:
        >>> first_bound(date(2024, 1, 1), TimeFormat.SPACE_MILLIS)
        '2023-12-31 23:59:59.999'
    """
    return format_bound(datetime(start.year, start.month, start.day) - _PATTERNS[fmt][1], fmt)


def month_ranges(start: date, end: date, fmt: TimeFormat) -> list[MonthRange]:
    """One batch per calendar month touching ``[start, end)``; the last ends where ``end`` starts.

    Example:
        >>> [r.month_name for r in month_ranges(date(2024, 1, 15), date(2024, 3, 1), TimeFormat.KLAVIYO)]
        ['2024-01', '2024-02']
        >>> month_ranges(date(2024, 2, 1), date(2024, 3, 1), TimeFormat.KLAVIYO)[0].end_time
        '2024-02-29T23:59:59.999999'
    """
    ranges: list[MonthRange] = []
    lower = first_bound(start, fmt)
    month = date(start.year, start.month, 1)
    while month < end:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        upper = first_bound(min(following, end), fmt)
        ranges.append(MonthRange(month.strftime("%Y-%m"), lower, upper))
        lower, month = upper, following
    return ranges


def session_bound(fmt: TimeFormat) -> str:
    """The Digdag expression for the upper bound of an incremental run: the session time.

    Using the session time rather than the wall clock makes a re-run of the same session load
    the same window, and a scheduled session load exactly up to its slot.
    """
    return '${moment(session_time).utc().format("' + _MOMENT[fmt] + '")}'


def watermark_sql(fmt: TimeFormat, column: str) -> str:
    """SQL formatting ``MAX(column)`` of the target table into ``fmt`` (spec §2.6).

    ``column`` must already be quoted.
    """
    if fmt is TimeFormat.KLAVIYO:
        return f"replace(TD_TIME_STRING(TD_TIME_PARSE(MAX({column})), 's!'), ' ', 'T') || '.000000'"
    if fmt is TimeFormat.ISO_MILLIS_Z:
        return f"replace(TD_TIME_STRING(TD_TIME_PARSE(MAX({column})), 's!'), ' ', 'T') || '.000Z'"
    return f"CAST(MAX({column}) AS VARCHAR)"
