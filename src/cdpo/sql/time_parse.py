"""Read a TD time string ('2024-01-01', '2024-01-01 09:00:00 JST', ISO 8601) as unix seconds.

TD's time functions take a time as unix seconds or as a string read in a default time zone, unless
the string carries its own offset ('+09:00', 'Z') or zone name suffix (' JST'), which wins
(reference §D.6). One Python reader serves TD_TIME_PARSE and the bounds of TD_TIME_RANGE,
TD_TIME_ADD and TD_INTERVAL: DuckDB folds a call with constant arguments to one constant, so a
filter such as ``TD_TIME_RANGE(time, '2024-01-01', NULL, 'JST')`` still runs at full speed.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from functools import lru_cache

from cdpo.errors import TranslationError
from cdpo.sql.java_format import java_zone

__all__ = ["parse_time", "parse_time_strict"]

_UNIX = re.compile(r"[+-]?\d+")
_ZONE_SUFFIX = re.compile(r"\s+([A-Za-z][A-Za-z0-9_/+-]*)$")


@lru_cache(maxsize=4096)
def parse_time(text: str, zone: str) -> int | None:
    """Unix seconds for ``text`` read in ``zone``, or None when ``text`` is not a time.

    Raises:
        TranslationError: ``zone`` itself is not a time zone.

    Example:
        >>> parse_time("2024-01-01", "JST"), parse_time("2024-01-01 JST", "UTC")
        (1704034800, 1704034800)
        >>> parse_time("2024-01-01T00:00:00+09:00", "UTC"), parse_time("soon", "UTC")
        (1704034800, None)
    """
    default = java_zone(zone)
    text = text.strip()
    if _UNIX.fullmatch(text):
        return int(text)
    suffix = _ZONE_SUFFIX.search(text)
    if suffix is not None:
        try:
            default = java_zone(suffix[1])
        except TranslationError:
            return None
        text = text[: suffix.start()]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default)
    return math.floor(moment.timestamp())


def parse_time_strict(text: str, zone: str, function: str) -> int:
    """Like ``parse_time``, but a string that is not a time raises, naming ``function``.

    Raises:
        TranslationError: ``text`` is not a time, or ``zone`` is not a time zone.
    """
    seconds = parse_time(text, zone)
    if seconds is None:
        raise TranslationError(
            f"{function}: cannot read {text!r} as a time; use unix seconds, 'yyyy-MM-dd' or "
            "'yyyy-MM-dd HH:mm:ss', optionally followed by a zone such as ' JST'"
        )
    return seconds
