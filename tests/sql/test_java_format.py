"""Java SimpleDateFormat patterns: tokenizing, strftime conversion and exact formatting."""

from __future__ import annotations

import pytest

from cdpo.errors import TranslationError
from cdpo.sql.java_format import format_java, java_zone, to_strftime, tokenize

NEW_YEAR = 1704067200  # 2024-01-01 00:00:00 UTC, a Monday


def test_quotes_and_escaped_quotes() -> None:
    assert tokenize("'at' HH 'o''clock' ''") == ("at ", ("H", 2), " o'clock '")


@pytest.mark.parametrize(
    ("pattern", "strftime"),
    [
        ("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"),
        ("yy/M/d H:m:s", "%y/%-m/%-d %-H:%-M:%-S"),
        ("EEE, MMM d", "%a, %b %-d"),
        ("EEEE MMMM", "%A %B"),
        ("hh:mm a", "%I:%M %p"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSS", "%Y-%m-%dT%H:%M:%S.%g"),
        ("100%", "100%%"),
        ("yyyy z", None),
        ("HH:mmXXX", None),
    ],
)
def test_to_strftime(pattern: str, strftime: str | None) -> None:
    assert to_strftime(pattern) == strftime


@pytest.mark.parametrize(
    ("pattern", "zone", "text"),
    [
        ("yyyy-MM-dd HH:mm:ss", "UTC", "2024-01-01 00:00:00"),
        ("yyyy-MM-dd HH:mm:ss", "JST", "2024-01-01 09:00:00"),
        ("EEEE d MMMM yy", "UTC", "Monday 1 January 24"),
        ("h a, K k", "UTC", "12 AM, 0 24"),
        ("D u", "UTC", "1 1"),
        ("z Z X XX XXX", "Asia/Tokyo", "JST +0900 +09 +0900 +09:00"),
        ("z X", "UTC", "UTC Z"),
        ("z Z", "America/New_York", "EST -0500"),
        ("HH:mm z", "IST", "05:30 IST"),
        ("SSS", "UTC", "000"),
    ],
)
def test_format_java(pattern: str, zone: str, text: str) -> None:
    assert format_java(NEW_YEAR, pattern, zone) == text


def test_unknown_letters_unclosed_quotes_and_zones_are_errors() -> None:
    with pytest.raises(TranslationError, match="unknown letter 'b'"):
        tokenize("yyyy-bb")
    with pytest.raises(TranslationError, match="letter 'w' is valid Java but not supported"):
        tokenize("yyyy-ww")
    with pytest.raises(TranslationError, match="unclosed quote"):
        tokenize("yyyy 'at")
    with pytest.raises(TranslationError, match="unknown time zone 'Mars/Base'"):
        java_zone("Mars/Base")


def test_java_short_zone_ids() -> None:
    assert format_java(NEW_YEAR, "HH:mm", "PST") == "16:00"
    assert format_java(NEW_YEAR, "HH:mm", "EST") == "19:00"
