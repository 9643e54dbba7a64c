"""Java ``SimpleDateFormat`` patterns, as TD_TIME_FORMAT and Presto's format_datetime take them.

One tokenizer, two renderers: ``to_strftime`` turns a literal pattern into a DuckDB ``strftime``
format (the fast path: DuckDB needs a constant format), and ``format_java`` formats one instant in
Python, for patterns that only arrive at run time or that print a zone. Letters follow
https://docs.oracle.com/javase/8/docs/api/java/text/SimpleDateFormat.html.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cdpo.errors import TranslationError

__all__ = ["JAVA_SHORT_ZONE_IDS", "format_java", "java_zone", "to_strftime", "tokenize"]

Token = str | tuple[str, int]
"""A literal text run, or a pattern letter with its repeat count (``("y", 4)`` for ``yyyy``)."""

# Java's ZoneId.SHORT_IDS: TD accepts these three-letter names ('JST', 'PST') as time zones.
JAVA_SHORT_ZONE_IDS = {
    "ACT": "Australia/Darwin", "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires", "ART": "Africa/Cairo", "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo", "BST": "Asia/Dhaka", "CAT": "Africa/Harare",
    "CNT": "America/St_Johns", "CST": "America/Chicago", "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa", "ECT": "Europe/Paris", "EST": "Etc/GMT+5", "HST": "Etc/GMT+10",
    "IET": "America/Indiana/Indianapolis", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo",
    "MIT": "Pacific/Apia", "MST": "Etc/GMT+7", "NET": "Asia/Yerevan", "NST": "Pacific/Auckland",
    "PLT": "Asia/Karachi", "PNT": "America/Phoenix", "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal", "VST": "Asia/Ho_Chi_Minh",
}  # fmt: skip

_LETTERS = frozenset("yMDdEuaHkKhmsSzZX")
_UNSUPPORTED = frozenset("GYwWF")  # era, week year, week in year/month, day of week in month
_STRFTIME = {
    ("y", 2): "%y", ("M", 1): "%-m", ("M", 2): "%m", ("M", 3): "%b", ("d", 1): "%-d",
    ("d", 2): "%d", ("H", 1): "%-H", ("H", 2): "%H", ("h", 1): "%-I", ("h", 2): "%I",
    ("m", 1): "%-M", ("m", 2): "%M", ("s", 1): "%-S", ("s", 2): "%S", ("S", 3): "%g",
    ("E", 3): "%a", ("a", 1): "%p", ("D", 1): "%-j", ("D", 3): "%j", ("u", 1): "%u",
}  # fmt: skip


@lru_cache(maxsize=256)
def tokenize(pattern: str) -> tuple[Token, ...]:
    """Split a SimpleDateFormat pattern into literal runs and (letter, count) fields.

    Raises:
        TranslationError: an unknown or unsupported pattern letter, or an unclosed quote.

    Example:
        >>> tokenize("yyyy-MM-dd'T'HH")
        (('y', 4), '-', ('M', 2), '-', ('d', 2), 'T', ('H', 2))
    """
    tokens: list[Token] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            text, i = _quoted(pattern, i)
            _append_text(tokens, text)
        elif char.isascii() and char.isalpha():
            if char not in _LETTERS:
                raise _bad_letter(pattern, char)
            count = len(pattern[i:]) - len(pattern[i:].lstrip(char))
            tokens.append((char, count))
            i += count
        else:
            _append_text(tokens, char)
            i += 1
    return tuple(tokens)


def to_strftime(pattern: str) -> str | None:
    """The DuckDB ``strftime`` format for ``pattern``, or None when only ``format_java`` can do it.

    Example:
        >>> to_strftime("yyyy-MM-dd HH:mm:ss")
        '%Y-%m-%d %H:%M:%S'
        >>> to_strftime("yyyy-MM-dd z") is None
        True
    """
    parts = []
    for token in tokenize(pattern):
        if isinstance(token, str):
            parts.append(token.replace("%", "%%"))
            continue
        letter, count = token
        if letter == "y" and count != 2:
            code = "%Y" if count in (1, 4) else None
        elif letter in "MEu" and count > 3:
            code = {"M": "%B", "E": "%A", "u": None}[letter]
        elif letter == "E":
            code = "%a"
        else:
            code = _STRFTIME.get(token)
        if code is None:
            return None
        parts.append(code)
    return "".join(parts)


@lru_cache(maxsize=256)
def java_zone(name: str) -> tzinfo:
    """A time zone from the names TD accepts: IANA ids, Java short ids ('JST'), 'UTC', offsets.

    Raises:
        TranslationError: the name is no time zone.
    """
    if name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(JAVA_SHORT_ZONE_IDS.get(name, name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TranslationError(
            f"unknown time zone {name!r}; use an IANA name such as 'Asia/Tokyo', or 'UTC'"
        ) from exc


def format_java(unix_seconds: float, pattern: str, zone: str) -> str:
    """Format ``unix_seconds`` in ``zone`` with a SimpleDateFormat ``pattern``, as Java would.

    Example:
        >>> format_java(1704067200, "yyyy/MM/dd HH:mm z", "Asia/Tokyo")
        '2024/01/01 09:00 JST'
    """
    moment = datetime.fromtimestamp(unix_seconds, tz=java_zone(zone))
    return "".join(
        token if isinstance(token, str) else _field(moment, *token) for token in tokenize(pattern)
    )


def _field(moment: datetime, letter: str, count: int) -> str:
    """One pattern field of ``moment``; numbers are zero-padded to ``count`` digits, as in Java."""
    if letter in "MEa" and (count >= 3 or letter == "a"):
        names = {"M": "%B" if count > 3 else "%b", "E": "%A" if count > 3 else "%a", "a": "%p"}
        return moment.strftime(names[letter])
    if letter in "zZX":
        return _zone_field(moment, letter, count)
    if letter == "y" and count == 2:
        return f"{moment.year % 100:02d}"
    return str(_NUMBERS[letter](moment)).zfill(count)


_NUMBERS = {
    "y": lambda m: m.year, "M": lambda m: m.month, "d": lambda m: m.day, "H": lambda m: m.hour,
    "k": lambda m: m.hour or 24, "K": lambda m: m.hour % 12, "h": lambda m: m.hour % 12 or 12,
    "m": lambda m: m.minute, "s": lambda m: m.second, "S": lambda m: m.microsecond // 1000,
    "D": lambda m: m.timetuple().tm_yday, "u": lambda m: m.isoweekday(),
}  # fmt: skip


def _zone_field(moment: datetime, letter: str, count: int) -> str:
    offset = moment.utcoffset() or timedelta(0)
    if letter == "z":
        return moment.tzname() or "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    if letter == "Z":
        return f"{sign}{hours:02d}{mins:02d}"
    if minutes == 0:
        return "Z"
    return f"{sign}{hours:02d}" + {1: "", 2: f"{mins:02d}"}.get(count, f":{mins:02d}")


def _bad_letter(pattern: str, char: str) -> TranslationError:
    if char in _UNSUPPORTED:
        problem = f"letter {char!r} is valid Java but not supported by cdpo"
    else:
        problem = f"unknown letter {char!r}; quote literal text as 'text'"
    return TranslationError(f"date pattern {pattern!r}: {problem}", sql=pattern)


def _quoted(pattern: str, i: int) -> tuple[str, int]:
    """The text of the quoted run opening at ``i`` (``''`` is one quote) and the index after it."""
    if pattern.startswith("''", i):
        return "'", i + 2
    end = i + 1
    text = []
    while True:
        close = pattern.find("'", end)
        if close < 0:
            raise TranslationError(f"date pattern {pattern!r}: unclosed quote", sql=pattern)
        text.append(pattern[end:close])
        if pattern.startswith("''", close):
            text.append("'")
            end = close + 2
            continue
        return "".join(text), close + 1


def _append_text(tokens: list[Token], text: str) -> None:
    if tokens and isinstance(tokens[-1], str):
        tokens[-1] += text
    else:
        tokens.append(text)
