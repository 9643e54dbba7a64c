"""Column classification from the live schema and a sample of values (spec §1.3 detection, §7.2).

Deterministic: the same schema and sample give the same classes, each with the reason recorded
(written next to the generated SQL). Order: ``time`` by name, then a pipeline.yml override, then the
declared type, then name hints confirmed by the sample, then the sample alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence

from cdpo.phases.staging.dates import looks_like_date
from cdpo.phases.staging.rules import FALSE_WORDS, TRUE_WORDS, ColumnSpec, JsonKey, is_string_type
from cdpo.targets.base import Column

__all__ = ["classify_column", "classify_columns", "json_keys"]

_AMOUNT_WORDS = ("price", "amount", "tax", "discount", "total", "cost", "revenue", "subtotal")
_ID_WORDS = ("id", "uuid", "guid", "key", "token", "sku", "code", "no", "number", "num", "ref")
_DATE_WORDS = ("date", "at", "timestamp", "dob", "birthday", "birthdate", "datetime", "time")
_JSON_WORDS = ("json", "attributes", "attr", "metadata", "details", "properties", "payload")
_PHONE_WORDS = ("phone", "mobile", "tel", "telephone", "cell", "msisdn")
_NUMBER = re.compile(r"^[$€£¥]?\s*-?[0-9][0-9,]*([.][0-9]+)?$")
_MIN_SHARE = 0.8
"""Share of sampled non-null values that must fit a class for the sample to decide it."""
MAX_JSON_KEYS = 50
"""Keys extracted per JSON column at most (sorted by path), so one odd payload cannot explode it."""


def _words(name: str) -> list[str]:
    return [
        w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()) if w
    ]


def _share(values: Sequence[str], test: Callable[[str], object]) -> float:
    """Share of ``values`` that pass ``test``."""
    if not values:
        return 0.0
    return sum(1 for v in values if test(v)) / len(values)


def _is_json(value: str) -> bool:
    text = value.strip()
    if not text.startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _has_at(value: str) -> bool:
    return "@" in value


def _has_digits(value: str) -> bool:
    return sum(c.isdigit() for c in value) >= 5


def _is_epoch(value: str) -> bool:
    """Seconds or milliseconds between 2000 and 2100."""
    try:
        number = int(float(value))
    except ValueError:
        return False
    seconds = number // 1000 if number >= 100_000_000_000 else number
    return 946_684_800 <= seconds < 4_102_444_800


def _by_type(column: Column, words: list[str], values: Sequence[str]) -> tuple[str, str] | None:
    type_ = column.type.lower()
    if type_.startswith("bool"):
        return "boolean", f"declared {column.type}"
    if type_.startswith(("timestamp", "date")):
        return "date", f"declared {column.type}"
    if is_string_type(type_):
        return None
    if type_ in ("bigint", "integer", "int") and set(words) & set(_DATE_WORDS):
        epoch = _share(values, _is_epoch)
        if epoch >= _MIN_SHARE:
            return "date", f"integer named like a date, sample looks like epoch ({epoch:.0%})"
    if (
        set(words) & set(_AMOUNT_WORDS) and type_ in ("double", "real", "float")
    ) or "decimal" in type_:
        return "amount", f"declared {column.type}, named like an amount"
    return "numeric", f"declared {column.type}"


def _by_name_and_sample(words: list[str], values: Sequence[str]) -> tuple[str, str] | None:
    wordset = set(words)
    if any("email" in w for w in words) and (not values or _share(values, _has_at) >= 0.5):
        return "email", "name contains 'email' (and the sample holds '@')"
    if wordset & set(_PHONE_WORDS) and (not values or _share(values, _has_digits) >= 0.5):
        return "phone", "name says phone (and the sample holds numbers)"
    if wordset & set(_JSON_WORDS) and _share(values, _is_json) >= _MIN_SHARE:
        return "json", "name says JSON and the sample is JSON"
    if wordset & set(_AMOUNT_WORDS) and _share(values, _NUMBER.match) >= _MIN_SHARE:
        return "amount", "name says amount and the sample is numeric"
    if wordset & set(_DATE_WORDS) and _share(values, looks_like_date) >= _MIN_SHARE:
        return "date", "name says date and the sample parses as dates"
    return None


def _by_sample(words: list[str], values: Sequence[str]) -> tuple[str, str]:
    bools = {*TRUE_WORDS, *FALSE_WORDS}
    tests = (
        ("json", _is_json, "sample is JSON"),
        ("boolean", lambda v: v.strip().lower() in bools, "sample holds only boolean words"),
        ("date", looks_like_date, "sample parses as dates"),
    )
    for cls, test, why in tests:
        if values and _share(values, test) >= _MIN_SHARE:
            if cls == "boolean" and set(words) & set(_ID_WORDS):
                continue  # an id column of 0/1 values stays an id
            return cls, f"{why} ({_share(values, test):.0%} of {len(values)})"
    if set(words) & set(_ID_WORDS):
        return "id", "name says identifier: case kept"
    return "text", "free text: trimmed and upper-cased"


def classify_column(
    column: Column, values: Sequence[str], override: str | None = None
) -> ColumnSpec:
    """The class of one column from its name, declared type and sampled non-null values."""
    words = _words(column.name)
    if column.name == "time":
        cls, why = "time", "the TD time column: never transformed"
    elif override:
        cls, why = override, "pipeline.yml override"
    else:
        cls, why = (
            _by_type(column, words, values)
            or _by_name_and_sample(words, values)
            or _by_sample(words, values)
        )
    keys = json_keys(values) if cls == "json" else ()
    return ColumnSpec(column.name, column.type, cls, why, keys)


def classify_columns(
    columns: Sequence[Column],
    sample: Mapping[str, Sequence[str]],
    overrides: Mapping[str, str],
) -> list[ColumnSpec]:
    """Classify every column; ``sample`` holds each column's non-null values as strings."""
    return [classify_column(c, sample.get(c.name, ()), overrides.get(c.name)) for c in columns]


def json_keys(values: Sequence[str]) -> tuple[JsonKey, ...]:
    """Keys of the sampled JSON objects, nested to 2 levels, each with what it holds."""
    found: dict[tuple[str, ...], str] = {}
    for value in values:
        try:
            document = json.loads(value)
        except ValueError:
            continue
        if isinstance(document, dict):
            _collect(document, (), found)
    usable = {p: k for p, k in found.items() if all('"' not in s and "\\" not in s for s in p)}
    return tuple(JsonKey(p, k) for p, k in sorted(usable.items())[:MAX_JSON_KEYS])


def _collect(document: dict, prefix: tuple[str, ...], found: dict[tuple[str, ...], str]) -> None:
    for key, value in document.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and len(path) < 2:
            _collect(value, path, found)
            continue
        kind = (
            "array"
            if isinstance(value, list)
            else "object"
            if isinstance(value, dict)
            else "scalar"
        )
        if found.get(path, kind) != kind:
            kind = "object" if "object" in (kind, found[path]) else "scalar"
        found[path] = kind
