"""The demo's timeline, and timestamps as the connectors spell them (vectorised: epoch seconds
in, strings out).

``strftime`` computes calendar fields with integer arithmetic and writes their digits as code
points, so a million timestamps cost a few array operations, not a million Python calls. Local times use the real zone rules (zoneinfo),
sampled hourly over the demo's timeline, so daylight saving shows up in the offsets.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp())
"""The first day any source has data for."""
HIST_END = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
"""The historical extracts hold rows that arrived before this instant."""
INC_END = int(datetime(2025, 4, 1, tzinfo=UTC).timestamp())
"""The incremental extracts hold rows that arrived up to this instant."""
DAY = 86_400
_GRID_START = START - 2 * DAY
_GRID_END = INC_END + 60 * DAY


def strftime(epoch: np.ndarray, fmt: str, offset_minutes: np.ndarray | None = None) -> np.ndarray:
    """Format epoch seconds with ``%Y %m %d %H %M %S`` and literal characters (UTC, or local time
    when ``offset_minutes`` is given).

    Example:
        >>> strftime(np.array([0, 951782400]), "%m/%d/%Y %H:%M")
        array(['01/01/1970 00:00', '02/29/2000 00:00'], dtype='<U16')
    """
    seconds = np.asarray(epoch, dtype=np.int64)
    if offset_minutes is not None:
        seconds = seconds + np.asarray(offset_minutes, dtype=np.int64) * 60
    fields = _civil(seconds)
    parts = []
    for token in re.findall(r"%[YmdHMS]|[^%]+", fmt):
        if token.startswith("%"):
            value, width = fields[token[1]]
            parts.append(digit_codes(value, width))
        else:
            parts.append(
                np.broadcast_to(
                    np.array([ord(c) for c in token], np.int32), (len(seconds), len(token))
                )
            )
    return text_from_codes(np.hstack(parts))


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded decimal strings of ``width`` characters.

    Example:
        >>> digits(np.array([7, 1234]), 5)
        array(['00007', '01234'], dtype='<U5')
    """
    return text_from_codes(digit_codes(np.asarray(values, dtype=np.int64), width))


def digit_codes(values: np.ndarray, width: int) -> np.ndarray:
    """The code points of ``digits(values, width)``, shape (n, width), for building strings."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + ord("0")).astype(np.int32)


def text_from_codes(codes: np.ndarray) -> np.ndarray:
    """Rows of a (n, width) int32 code-point matrix as a fixed-width string array."""
    width = codes.shape[1]
    return np.ascontiguousarray(codes, dtype=np.int32).view(f"<U{width}").ravel()


def _civil(seconds: np.ndarray) -> dict[str, tuple[np.ndarray, int]]:
    """Calendar fields of epoch seconds (H. Hinnant's ``civil_from_days``, proleptic Gregorian)."""
    days, rest = np.divmod(seconds, DAY)
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return {
        "Y": (year, 4),
        "m": (month, 2),
        "d": (doy - (153 * mp + 2) // 5 + 1, 2),
        "H": (rest // 3600, 2),
        "M": (rest // 60 % 60, 2),
        "S": (rest % 60, 2),
    }


def local_offsets(epoch: np.ndarray, zone: str) -> np.ndarray:
    """UTC offset in minutes of ``zone`` at each instant (between START and INC_END + 60 days)."""
    grid = _offset_grid(zone)
    hour = (np.asarray(epoch, dtype=np.int64) - _GRID_START) // 3600
    return grid[np.clip(hour, 0, len(grid) - 1)]


def offset_text(minutes: np.ndarray) -> np.ndarray:
    """``+09:00`` / ``-05:00`` spellings of UTC offsets in minutes."""
    minutes = np.asarray(minutes, dtype=np.int64)
    sign = np.where(minutes < 0, ord("-"), ord("+")).astype(np.int32)[:, None]
    colon = np.full((len(minutes), 1), ord(":"), np.int32)
    hours, rest = digit_codes(np.abs(minutes) // 60, 2), digit_codes(np.abs(minutes) % 60, 2)
    return text_from_codes(np.hstack([sign, hours, colon, rest]))


@lru_cache(maxsize=16)
def _offset_grid(zone: str) -> np.ndarray:
    """Hourly UTC offsets of ``zone`` over the timeline; zone rules change only on the hour."""
    info = ZoneInfo(zone)
    hours = range(_GRID_START, _GRID_END, 3600)
    offsets = [datetime.fromtimestamp(h, UTC).astimezone(info).utcoffset() for h in hours]
    return np.array([int(o.total_seconds()) // 60 if o else 0 for o in offsets], dtype=np.int64)
