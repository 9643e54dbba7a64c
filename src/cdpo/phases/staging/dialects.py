"""The SQL primitives a staging rule is built from, rendered for TD Presto and for TD Hive.

A rule (``rules.py``) is written once against these primitives; each dialect says how TD's engine
spells them (spec-staging-unification.md §1.3 for Presto, §1.5 for Hive). Regular expressions used
by the rules never contain a backslash, so a pattern means the same in a Presto string literal
(backslash is literal) and in a Hive one (backslash escapes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdpo.phases.ingestion import quote_literal

__all__ = ["DIALECTS", "HIVE", "PRESTO", "Dialect"]

_STD_PATTERN = "yyyy-MM-dd HH:mm:ss"


def _json_path(path: Sequence[str]) -> str:
    """A JSONPath with bracket syntax for keys that are not plain words (``$`` or spaces, §1.3)."""
    parts = []
    for key in path:
        parts.append(f".{key}" if _plain(key) else f'["{key}"]')
    return "$" + "".join(parts)


@dataclass(frozen=True)
class Dialect:
    """TD Presto; ``Hive`` overrides what Hive spells differently."""

    name: str = "presto"
    string_type: str = "VARCHAR"

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def literal(self, value: str) -> str:
        if "\\" in value:
            raise ValueError(f"staging SQL literals carry no backslash: {value!r}")
        return quote_literal(value)

    def to_string(self, expr: str) -> str:
        return f"CAST({expr} AS {self.string_type})"

    def matches(self, expr: str, pattern: str) -> str:
        """Partial-match regex test (Presto ``regexp_like``; Hive ``RLIKE``), NULL-safe as SQL."""
        return f"regexp_like({expr}, {self.literal(pattern)})"

    def cut_fraction(self, expr: str) -> str:
        """Fractional seconds removed (outputs have whole seconds); '$1' means the same in Java."""
        return f"regexp_replace({expr}, '(:[0-9][0-9])[.][0-9]+', '$1')"

    def digits_only(self, expr: str) -> str:
        return f"regexp_replace({expr}, '[^0-9]', '')"

    def sha256_hex(self, expr: str) -> str:
        """Lower-case hex SHA-256 of the UTF-8 bytes (the convention ad platforms expect, §7.4)."""
        return f"lower(to_hex(sha256(to_utf8({expr}))))"

    def to_double(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS DOUBLE)"

    def json_scalar(self, column: str, path: Sequence[str]) -> str:
        return f"json_extract_scalar({column}, {self.literal(_json_path(path))})"

    def json_array(self, column: str, path: Sequence[str]) -> str:
        # Arrays are cast, never read with json_extract_scalar (spec §1.3, §6).
        return (
            f"TRY_CAST(json_extract({column}, {self.literal(_json_path(path))}) AS ARRAY(VARCHAR))"
        )

    def json_text(self, column: str, path: Sequence[str]) -> str:
        return f"json_format(json_extract({column}, {self.literal(_json_path(path))}))"

    def iso_offset_unixtime(self, expr: str) -> str:
        """Seconds of an ISO string with ``Z`` or an offset (``+09:00``/``+0900``/``+09``), fraction cut."""
        iso = f"replace({_offset_colon(self.cut_fraction(expr))}, ' ', 'T')"
        return f"CAST(to_unixtime(TRY(from_iso8601_timestamp({iso}))) AS BIGINT)"

    def reformat(self, expr: str, java_pattern: str) -> str:
        """A date string in ``java_pattern`` → ``yyyy-MM-dd HH:mm:ss`` text; NULL if not a date."""
        parsed = f"TRY(parse_datetime({expr}, {self.literal(java_pattern)}))"
        return f"format_datetime({parsed}, {self.literal(_STD_PATTERN)})"

    def epoch_text(self, expr: str) -> str:
        """Unix seconds → ``yyyy-MM-dd HH:mm:ss`` in UTC (TD_TIME_FORMAT is a TD function on both)."""
        return f"TD_TIME_FORMAT({expr}, {self.literal(_STD_PATTERN)}, 'UTC')"

    def now_text(self) -> str:
        return f"SUBSTR(CAST(current_timestamp AS {self.string_type}), 1, 19)"

    def concat(self, *parts: str) -> str:
        return f"concat({', '.join(parts)})"


@dataclass(frozen=True)
class Hive(Dialect):
    """TD Hive 2: backticks, RLIKE, sha2, get_json_object, unix_timestamp (spec §1.5)."""

    name: str = "hive"
    string_type: str = "STRING"

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def matches(self, expr: str, pattern: str) -> str:
        return f"({expr} RLIKE {self.literal(pattern)})"

    def sha256_hex(self, expr: str) -> str:
        return f"lower(sha2({expr}, 256))"

    def to_double(self, expr: str) -> str:
        # Hive's CAST gives NULL for a string that is not a number: Presto's TRY_CAST.
        return f"CAST({expr} AS DOUBLE)"

    def json_scalar(self, column: str, path: Sequence[str]) -> str:
        if all(_plain(k) for k in path):
            return f"get_json_object({column}, {self.literal(_json_path(path))})"
        # get_json_object fails on keys with '$' or spaces (spec §1.5): a top-level regex instead.
        key = "".join(c if c.isalnum() or c == "_" else f"[{c}]" for c in path[-1])
        pattern = f'"{key}"[ ]*:[ ]*"?([^",}}]*)"?'
        return f"NULLIF(regexp_extract({column}, {self.literal(pattern)}, 1), '')"

    def json_array(self, column: str, path: Sequence[str]) -> str:
        text = f"get_json_object({column}, {self.literal(_json_path(path))})"
        items = f"split(translate({text}, '[]\"', ''), ',')"
        return f"CASE WHEN {text} = '[]' THEN array() ELSE {items} END"

    def json_text(self, column: str, path: Sequence[str]) -> str:
        return f"get_json_object({column}, {self.literal(_json_path(path))})"

    def iso_offset_unixtime(self, expr: str) -> str:
        # Hive has no from_iso8601_timestamp; TD's TD_TIME_PARSE reads the offset (fraction cut).
        text = f"replace({_offset_colon(self.cut_fraction(expr))}, 'T', ' ')"
        return f"TD_TIME_PARSE({text}, 'UTC')"

    def reformat(self, expr: str, java_pattern: str) -> str:
        # Hive parses leniently (31-02 → 02-03); the round trip rejects what Presto's TRY rejects.
        pattern = self.literal(java_pattern)
        parsed = f"unix_timestamp({expr}, {pattern})"
        return (
            f"CASE WHEN from_unixtime({parsed}, {pattern}) = {expr} "
            f"THEN from_unixtime({parsed}, {self.literal(_STD_PATTERN)}) END"
        )


def _offset_colon(expr: str) -> str:
    """A trailing ``+0900`` or ``+09`` offset written ``+09:00``."""
    expr = f"regexp_replace({expr}, '([+-][0-9][0-9])([0-9][0-9])$', '$1:$2')"
    return f"regexp_replace({expr}, '([+-][0-9][0-9])$', '$1:00')"


def _plain(key: str) -> bool:
    return key.replace("_", "a").isalnum() and key.isascii()


PRESTO = Dialect()
HIVE = Hive()
DIALECTS: dict[str, Dialect] = {"presto": PRESTO, "hive": HIVE}
"""Engine name (``staging.engine``) → its dialect."""
