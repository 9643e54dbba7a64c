"""Incremental loads: keep the rows after the last loaded value, and remember the new one.

TD's incremental connectors fetch records whose incremental field is after the start value
(``last_record`` in a saved source's config diff, or ``start_time``/``from_date`` a workflow
computes) and up to the end value. Values are compared as numbers when the column is numeric, as
instants when the bound reads as a timestamp (``2023-09-01T00:00:00.000000``, ``…Z``, ``… 13:45:30.123``
all compare correctly together), else as text. The last loaded value per table is kept in the
warehouse's own schema, for loads that give no start value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse.catalog import NUMERIC_TYPE_IDS
from cdpo.targets.local.warehouse.names import TableName, quote
from cdpo.targets.local.warehouse.warehouse import INTERNAL_SCHEMA

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["apply_incremental", "read_last_record", "save_last_record"]

_STATE = quote(INTERNAL_SCHEMA, "load_state")


def _kind(wh: Warehouse, staged: TableName, field: str, sample: str | None) -> str:
    relation = wh.con.table(staged.sql)
    types = dict(zip(relation.columns, relation.types, strict=True))
    if field not in types:
        raise ConfigError(
            f"incremental field {field!r} is not a column of the loaded files "
            f"(columns: {', '.join(relation.columns)})",
            field="incremental_field",
        )
    if types[field].id in NUMERIC_TYPE_IDS:
        return "number"
    if sample is None:
        row = wh.first(
            f"SELECT CAST({quote(field)} AS VARCHAR) FROM {staged.sql} "
            f"WHERE {quote(field)} IS NOT NULL LIMIT 1"
        )
        sample = row[0] if row else None
    parsed = wh.first("SELECT TRY_CAST(? AS TIMESTAMPTZ)", [sample])
    return "timestamp" if parsed and parsed[0] is not None else "text"


_KEYS = {
    "number": ("TRY_CAST({} AS DOUBLE)", "TRY_CAST(? AS DOUBLE)"),
    "timestamp": ("TRY_CAST(CAST({} AS VARCHAR) AS TIMESTAMPTZ)", "TRY_CAST(? AS TIMESTAMPTZ)"),
    "text": ("CAST({} AS VARCHAR)", "CAST(? AS VARCHAR)"),
}


def _check_bound(wh: Warehouse, bound_sql: str, value: str, kind: str, field: str) -> None:
    row = wh.first(f"SELECT {bound_sql}", [value])
    if not row or row[0] is None:
        raise ConfigError(
            f"bound {value!r} cannot be compared with {field!r}: expected a {kind}",
            field="in (start/end value)",
        )


def apply_incremental(
    wh: Warehouse, staged: TableName, field: str, start: str | None, end: str | None
) -> str | None:
    """Delete from ``staged`` the rows at or before ``start`` and after ``end``.

    Returns the new last record: the greatest remaining value of ``field`` (or ``start`` when
    no row remains), as text.

    Raises:
        ConfigError: ``field`` is not a column, or a bound is not comparable with it.
    """
    kind = _kind(wh, staged, field, start or end)
    key_sql, bound_sql = (part.format(quote(field)) for part in _KEYS[kind])
    drop, params = [], []
    for value, test in ((start, f"{key_sql} <= {bound_sql}"), (end, f"{key_sql} > {bound_sql}")):
        if value is not None:
            _check_bound(wh, bound_sql, value, kind, field)
            drop.append(test)
            params.append(value)
    if drop:
        condition = " OR ".join([f"{key_sql} IS NULL", *drop])
        wh.run(f"DELETE FROM {staged.sql} WHERE {condition}", params)
    row = wh.first(
        f"SELECT CAST(arg_max({quote(field)}, {key_sql}) AS VARCHAR) FROM {staged.sql} "
        f"WHERE {key_sql} IS NOT NULL"
    )
    return row[0] if row and row[0] is not None else start


def _ensure_state(wh: Warehouse) -> None:
    wh.run(f"CREATE SCHEMA IF NOT EXISTS {quote(INTERNAL_SCHEMA)}")
    wh.run(
        f"CREATE TABLE IF NOT EXISTS {_STATE} (database VARCHAR, table_name VARCHAR, "
        "last_record VARCHAR, PRIMARY KEY (database, table_name))"
    )


def read_last_record(wh: Warehouse, target: TableName) -> str | None:
    """The last value an earlier incremental load into ``target`` reached, if any."""
    _ensure_state(wh)
    row = wh.first(
        f"SELECT last_record FROM {_STATE} WHERE database = ? AND table_name = ?",
        [target.database, target.table],
    )
    return row[0] if row else None


def save_last_record(wh: Warehouse, target: TableName, last_record: str | None) -> None:
    """Remember ``last_record`` for the next incremental load into ``target``."""
    if last_record is None:
        return
    _ensure_state(wh)
    wh.run(
        f"INSERT OR REPLACE INTO {_STATE} VALUES (?, ?, ?)",
        [target.database, target.table, last_record],
    )
