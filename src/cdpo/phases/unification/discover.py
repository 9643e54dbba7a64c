"""Key discovery: which columns of a staged table carry which identifier, from names, types and values.

Deterministic, with the reason recorded (written next to unify.yml). Order per column: skipped by
type or suffix, then the exact TD names (``td_client_id``, ``td_global_id``), then name hints
confirmed by the sample (email, phone, customer/user ids; the ``id`` of a ``…_customers``
table is its ``customer_id``), then the sample alone (a column whose
values look like email addresses). Staging writes ``{col}_std`` for emails and phones (only valid,
standardised values, spec-staging-unification.md §1.3): when it exists it is used instead of ``col``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdpo.targets.base import Column

__all__ = ["ID_KEY_NAMES", "DiscoveredColumn", "discover_columns", "is_profile_table"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_DIGITS = re.compile(r"\d")
_KEY_TYPES = ("varchar", "char", "string", "bigint", "integer", "int", "smallint")
_SKIPPED_SUFFIXES = ("_hash", "_valid", "_unixtime", "_date", "_prep")
_EMAIL_WORDS = ("email", "mail", "e_mail")
_PHONE_WORDS = ("phone", "mobile", "tel", "telephone", "cell", "msisdn")
ID_KEY_NAMES = frozenset({
    "customer_id", "user_id", "customer_no", "customer_number", "member_id", "loyalty_id",
    "profile_id", "account_id", "contact_id", "crm_id",
})  # fmt: skip
"""Column names that are person identifiers of one system; the key is named after the column."""
_TD_IDS = ("td_client_id", "td_global_id")
_ENTITIES = {"customers": "customer_id", "users": "user_id", "profiles": "profile_id",
             "members": "member_id", "contacts": "contact_id", "accounts": "account_id"}  # fmt: skip
"""A table named ``…_customers`` calls its own id ``id``: the key other tables name ``customer_id``."""
_MIN_SHARE = 0.5
"""Share of sampled non-null values that must look right for a name hint to be confirmed."""
_SAMPLE_ONLY_SHARE = 0.9
"""Share needed when the sample alone decides (no name hint)."""


@dataclass(frozen=True)
class DiscoveredColumn:
    """A column of a staged table and the key it carries (``key`` None: not a key), and why."""

    column: str
    key: str | None
    reason: str


def is_profile_table(table: str) -> bool:
    """A table of people (``…_customers``, ``…_profiles``, …) rather than of their events.

    Example:
        >>> is_profile_table("crm_customers"), is_profile_table("shopify_orders")
        (True, False)
    """
    return table.rsplit("_", 1)[-1] in _ENTITIES


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", name.lower()) if w}


def _share(values: Sequence[str], pattern: re.Pattern[str]) -> float:
    return sum(1 for v in values if pattern.search(v)) / len(values) if values else 0.0


def _phone_like(values: Sequence[str]) -> float:
    good = sum(1 for v in values if len(_DIGITS.findall(v)) >= 7)
    return good / len(values) if values else 0.0


def _skip_reason(column: Column, names: set[str]) -> str | None:
    type_ = column.type.lower()
    if column.name == "time":
        return "TD's time column"
    if not type_.startswith(_KEY_TYPES):
        return f"type {column.type} cannot hold an identifier"
    if column.name.endswith(_SKIPPED_SUFFIXES):
        return "derived column (hash, validity flag or date part)"
    if f"{column.name}_std" in names:
        return f"{column.name}_std holds its standardised values"
    return None


def _by_name(column: Column, values: Sequence[str], table: str) -> DiscoveredColumn | None:
    name = column.name.removesuffix("_std")
    words = _words(name)
    entity = _ENTITIES.get(table.rsplit("_", 1)[-1])
    if name == "id" and entity is not None:
        return DiscoveredColumn(column.name, entity, f"the id of a {table} table is its {entity}")
    if name in _TD_IDS:
        return DiscoveredColumn(column.name, name, f"TD's {name} column")
    if words & set(_EMAIL_WORDS):
        if values and _share(values, _EMAIL) < _MIN_SHARE:
            return DiscoveredColumn(column.name, None, "named like email, values are not emails")
        return DiscoveredColumn(column.name, "email", "name says email, sample agrees")
    if words & set(_PHONE_WORDS):
        if values and _phone_like(values) < _MIN_SHARE:
            return DiscoveredColumn(column.name, None, "named like phone, values are not phones")
        return DiscoveredColumn(column.name, "phone", "name says phone, sample agrees")
    if name in ID_KEY_NAMES or any(name.endswith(f"_{n}") for n in ID_KEY_NAMES):
        key = next(n for n in sorted(ID_KEY_NAMES, key=len, reverse=True) if name.endswith(n))
        return DiscoveredColumn(column.name, key, f"name ends with {key}, a person identifier")
    return None


def discover_columns(
    columns: Sequence[Column], sample: Mapping[str, Sequence[str]], table: str = ""
) -> list[DiscoveredColumn]:
    """Classify every column of ``table``; ``sample`` maps a column to sampled non-null values.

    Example:
        >>> cols = [Column("id", "bigint"), Column("email", "varchar"),
        ...         Column("email_std", "varchar"), Column("time", "bigint")]
        >>> found = discover_columns(cols, {"email_std": ["a@b.co"]}, "shop_customers")
        >>> [(d.column, d.key) for d in found]
        [('id', 'customer_id'), ('email', None), ('email_std', 'email'), ('time', None)]
    """
    names = {c.name for c in columns}
    found = []
    for column in columns:
        values = sample.get(column.name, ())
        if (reason := _skip_reason(column, names)) is not None:
            found.append(DiscoveredColumn(column.name, None, reason))
        elif (by_name := _by_name(column, values, table)) is not None:
            found.append(by_name)
        elif values and _share(values, _EMAIL) >= _SAMPLE_ONLY_SHARE:
            found.append(DiscoveredColumn(column.name, "email", "sampled values are emails"))
        else:
            found.append(DiscoveredColumn(column.name, None, "no identifier hint"))
    return found
