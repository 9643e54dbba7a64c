"""Incremental loads: keep the rows after the last loaded value, and remember the new one.

TD's incremental connectors fetch records whose incremental field is after the start value
(``last_record`` in a saved source's config diff, or ``start_time``/``from_date`` a workflow
computes) and up to the end value. Values are compared as numbers when the column is numeric, as
instants when the bound reads as a timestamp (``2023-09-01T00:00:00.000000``, ``…Z``, ``… 13:45:30.123``
all compare correctly together), else as text. The last loaded value per table is kept in the
warehouse's own schema, for loads that give no start value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse.catalog import NUMERIC_TYPE_IDS
from cdpo.targets.local.warehouse.names import TableName, quote
from cdpo.targets.local.warehouse.warehouse import INTERNAL_SCHEMA

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["Window", "last_loaded", "read_last_record", "save_last_record", "window"]

_STATE = quote(INTERNAL_SCHEMA, "load_state")


@dataclass(frozen=True)
class Window:
    """Which rows an incremental load takes: ``condition`` (with ``params``) over ``key`` values."""

    condition: str
    params: tuple[str, ...]
    key: str


def _kind(wh: Warehouse, rows_sql: str, field: str, sample: str | None) -> str:
    types = dict(wh.columns_of(rows_sql))
    if field not in types:
        raise ConfigError(
            f"incremental field {field!r} is not a column of the loaded files "
            f"(columns: {', '.join(types)})",
            field="incremental_field",
        )
    if types[field].id in NUMERIC_TYPE_IDS:
        return "number"
    if sample is None:
        row = wh.first(
            f"SELECT CAST({quote(field)} AS VARCHAR) FROM ({rows_sql}) AS r "
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


def window(wh: Warehouse, rows_sql: str, field: str, start: str | None, end: str | None) -> Window:
    """The rows of the query ``rows_sql`` after ``start`` and up to ``end`` (inclusive).

    Without bounds every row is taken; with one, rows whose ``field`` is NULL are not.

    Raises:
        ConfigError: ``field`` is not a column, or a bound is not comparable with it.
    """
    kind = _kind(wh, rows_sql, field, start or end)
    key_sql, bound_sql = (part.format(quote(field)) for part in _KEYS[kind])
    keep, params = [f"{key_sql} IS NOT NULL"], []
    for value, test in ((start, f"{key_sql} > {bound_sql}"), (end, f"{key_sql} <= {bound_sql}")):
        if value is not None:
            _check_bound(wh, bound_sql, value, kind, field)
            keep.append(test)
            params.append(value)
    condition = " AND ".join(keep) if params else "TRUE"
    return Window(condition, tuple(params), key_sql)


def last_loaded(
    wh: Warehouse, staged: TableName, field: str, key: str, start: str | None
) -> str | None:
    """The new last record: the greatest ``field`` value of ``staged`` (``start`` when empty)."""
    row = wh.first(
        f"SELECT CAST(arg_max({quote(field)}, {key}) AS VARCHAR) FROM {staged.sql} "
        f"WHERE {key} IS NOT NULL"
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
