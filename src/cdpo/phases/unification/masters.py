"""Master tables (golden records) of the unification: pipeline.yml's, or cdpo's default, resolved
against the staged tables' live columns and rendered as TD's unify.yml ``master_tables``.

TD builds a master table from its enriched tables (spec-staging-unification.md §3.7), i.e. from the
unify.yml source tables, which are our prep tables: so every column a master table reads is carried
into its table's prep table (``prep_columns``). The default (``default_master_table``) has one
attribute per key and the usual profile attributes, customer/profile tables first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdpo.errors import ConfigError, did_you_mean
from cdpo.phases.unification.discover import is_profile_table
from cdpo.phases.unification.settings import (
    MasterAttribute,
    MasterSourceColumn,
    MasterTableSettings,
    UnificationKey,
)
from cdpo.targets.base import Column

__all__ = [
    "ARRAY_KEYS",
    "PROFILE_ATTRIBUTES",
    "default_master_table",
    "master_yml",
    "prep_columns",
    "resolve_master_tables",
]

PROFILE_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "first_name": ("first_name", "firstname", "given_name"),
    "last_name": ("last_name", "lastname", "surname", "family_name"),
    "gender": ("gender", "sex"),
    "birth_date": ("birth_date", "date_of_birth", "birthday"),
    "country": ("country", "country_code"),
}
"""Default attribute → staged column names that hold it (text columns only, first match wins)."""
ARRAY_KEYS: Mapping[str, int] = {"td_client_id": 5, "td_global_id": 5}
"""Keys a person has several of (one per browser or device): the default keeps the latest N."""
_TEXT_TYPES = ("varchar", "char", "string")
_FIELD = "unification.master_tables"

KeyColumns = Sequence[tuple[str, str]]
Tables = Mapping[str, tuple[KeyColumns, Sequence[Column]]]
"""Unified table name → (its (column, key) pairs, its live columns), in unification order."""


def _profile_first(tables: Tables) -> list[str]:
    """Customer/profile tables first (the system of record for a person), then the others."""
    return sorted(tables, key=lambda name: not is_profile_table(name))


def _text_column(columns: Sequence[Column], candidates: Sequence[str]) -> str | None:
    """The first candidate present as a text column; its standardised ``{col}_std`` if staged."""
    text = {c.name for c in columns if c.type.lower().startswith(_TEXT_TYPES)}
    for name in candidates:
        for column in (f"{name}_std", name):
            if column in text:
                return column
    return None


def _attribute(name: str, sources: list[tuple[str, str]], size: int | None) -> MasterAttribute:
    return MasterAttribute(
        name=name,
        array_elements=size,
        source_columns=tuple(
            MasterSourceColumn(table=t, column=c, priority=p)
            for p, (t, c) in enumerate(sources, start=1)
        ),
    )


def default_master_table(
    id_name: str, keys: Sequence[UnificationKey], tables: Tables
) -> MasterTableSettings:
    """``{id_name}_master``: every key, then the profile attributes found (see the field's doc)."""
    ordered = _profile_first(tables)
    attributes = []
    for key in keys:
        sources = [(t, c) for t in ordered for c, k in tables[t][0] if k == key.name]
        attributes.append(_attribute(key.name, sources, ARRAY_KEYS.get(key.name)))
    taken = {id_name, *(k.name for k in keys)}
    for name, candidates in PROFILE_ATTRIBUTES.items():
        found = [(t, _text_column(tables[t][1], candidates)) for t in ordered]
        sources = [(t, c) for t, c in found if c is not None]
        if sources and name not in taken:
            attributes.append(_attribute(name, sources, None))
    return MasterTableSettings(name=f"{id_name}_master", attributes=tuple(attributes))


def _check_source(
    source: MasterSourceColumn, column: str, tables: Tables, skipped: Sequence[str], field: str
) -> None:
    if source.table not in tables:
        why = "carries no key, so it gets no id" if source.table in skipped else "is not unified"
        names = list(tables)
        raise ConfigError(
            f"table {source.table!r} {why}; unified tables: {', '.join(names)}."
            + did_you_mean(source.table, names),
            field=f"{field}.table",
        )
    names = [c.name for c in tables[source.table][1]]
    for name, part in ((column, "column"), (source.order_by, "order_by")):
        if name not in names:
            raise ConfigError(
                f"table {source.table} has no column {name!r}; its columns: {', '.join(names)}."
                + did_you_mean(name, names),
                field=f"{field}.{part}",
            )


def _resolve_attribute(
    attribute: MasterAttribute, tables: Tables, skipped: Sequence[str], field: str
) -> MasterAttribute:
    """Every source with its column and priority explicit (missing priorities follow the given
    ones in list order, which is how TD ranks them), checked against the live columns."""
    given = [s.priority for s in attribute.source_columns if s.priority is not None]
    next_priority = max(given, default=0) + 1
    sources = []
    for si, source in enumerate(attribute.source_columns):
        column = source.column or attribute.name
        _check_source(source, column, tables, skipped, f"{field}.source_columns.{si}")
        priority = source.priority
        if priority is None:
            priority, next_priority = next_priority, next_priority + 1
        sources.append(source.model_copy(update={"column": column, "priority": priority}))
    return attribute.model_copy(update={"source_columns": tuple(sources)})


def resolve_master_tables(
    masters: Sequence[MasterTableSettings] | None,
    id_name: str,
    keys: Sequence[UnificationKey],
    tables: Tables,
    skipped: Sequence[str] = (),
) -> tuple[MasterTableSettings, ...]:
    """pipeline.yml's master tables checked against the staged tables, or the default when absent.

    Raises:
        ConfigError: a source names a table that is not unified, or a column (or ``order_by``) the
            table lacks, or an attribute is named like the id column; the field path says which.
    """
    if masters is None:
        masters = (default_master_table(id_name, keys, tables),)
    resolved = []
    for mi, master in enumerate(masters):
        attributes = []
        for ai, attribute in enumerate(master.attributes):
            field = f"{_FIELD}.{mi}.attributes.{ai}"
            if attribute.name == id_name:
                raise ConfigError(
                    f"attribute {id_name!r} is the id column of the master table; rename it",
                    field=f"{field}.name",
                )
            attributes.append(_resolve_attribute(attribute, tables, skipped, field))
        resolved.append(master.model_copy(update={"attributes": tuple(attributes)}))
    return tuple(resolved)


def prep_columns(masters: Sequence[MasterTableSettings], table: str) -> set[str]:
    """Columns of ``table`` the master tables read (values and ``order_by``)."""
    return {
        name
        for master in masters
        for attribute in master.attributes
        for source in attribute.source_columns
        if source.table == table
        for name in (source.column or attribute.name, source.order_by)
    }


def master_yml(master: MasterTableSettings, kind: str, id_name: str) -> dict[str, Any]:
    """One unify.yml ``master_tables`` entry (TD's p1_syntax); ``kind`` names the id field."""
    attributes = []
    for attribute in master.attributes:
        entry: dict[str, Any] = {"name": attribute.name}
        if attribute.array_elements is not None:
            entry["array_elements"] = attribute.array_elements
        if attribute.valid_regexp is not None:
            entry["valid_regexp"] = attribute.valid_regexp
        if attribute.invalid_texts:
            entry["invalid_texts"] = list(attribute.invalid_texts)
        entry["source_columns"] = [
            s.model_dump(include={"table", "column", "priority", "order", "order_by"})
            for s in attribute.source_columns
        ]
        attributes.append(entry)
    return {"name": master.name, kind: id_name, "attributes": attributes}
