"""Incremental loads: keep the rows after the last loaded value, and remember the new one.

TD's incremental connectors fetch records whose incremental field is after the start value
(``last_record`` in a saved source's config diff, or ``start_time``/``from_date`` a workflow
computes) and up to the end value. Values are compared as numbers when the column is numeric, as
instants when the bound reads as a timestamp (``2023-09-01T00:00:00.000000``, ``…Z``, ``… 13:45:30.123``
all compare correctly together), else as text. The last loaded value per table is kept in the
warehouse's own schema, for loads that give no start value.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse.catalog import NUMERIC_TYPE_IDS, table_exists
from cdpo.targets.local.warehouse.names import TableName, quote
from cdpo.targets.local.warehouse.warehouse import INTERNAL_SCHEMA

if TYPE_CHECKING:
    from duckdb.sqltypes import DuckDBPyType

    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["Window", "last_loaded_sql", "read_last_record", "save_last_record", "window"]

_STATE_NAME = TableName(INTERNAL_SCHEMA, "load_state")
_STATE = _STATE_NAME.sql


@dataclass(frozen=True)
class Window:
    """Which rows a load takes: ``key`` (the compared value's SQL; empty when the load is not
    incremental and takes every row) passing ``tests`` (``> bound``, ``<= bound``), with ``params``.
    """

    key: str = ""
    tests: tuple[str, ...] = ()
    params: tuple[str, ...] = ()

    @property
    def condition(self) -> str:
        return self.condition_on(self.key)

    def condition_on(self, key: str) -> str:
        """The window's condition over ``key``, a column holding the key already computed."""
        if not self.tests:
            return "TRUE"
        return " AND ".join([f"{key} IS NOT NULL", *(f"{key} {test}" for test in self.tests)])


def _kind(
    wh: Warehouse, rows_sql: str, types: Mapping[str, DuckDBPyType], field: str, sample: str | None
) -> str:
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
    if sample is None:
        return "text"
    return "timestamp" if _readings(wh, [sample])[sample][0] else "text"


_KEYS = {
    "number": ("TRY_CAST({} AS DOUBLE)", "TRY_CAST(? AS DOUBLE)"),
    "timestamp": ("TRY_CAST(CAST({} AS VARCHAR) AS TIMESTAMPTZ)", "TRY_CAST(? AS TIMESTAMPTZ)"),
    "text": ("CAST({} AS VARCHAR)", "CAST(? AS VARCHAR)"),
}
_READINGS: OrderedDict[str, tuple[bool, bool]] = OrderedDict()
_READINGS_KEPT = 1024
_READINGS_LOCK = threading.Lock()


def _readings(wh: Warehouse, values: Sequence[str]) -> dict[str, tuple[bool, bool]]:
    """Whether DuckDB reads each value as a ``TIMESTAMPTZ`` and as a ``DOUBLE`` (``_KEYS``' bound
    casts), asked once per value: monthly batches share their bounds (one's end is the next's start).
    """
    with _READINGS_LOCK:
        unknown = sorted({v for v in values if v not in _READINGS})
        if unknown:
            casts = ", ".join(
                "TRY_CAST(? AS TIMESTAMPTZ) IS NOT NULL, TRY_CAST(? AS DOUBLE) IS NOT NULL"
                for _ in unknown
            )
            row = wh.run(f"SELECT {casts}", [v for v in unknown for _ in range(2)]).rows[0]
            for i, value in enumerate(unknown):
                _READINGS[value] = (bool(row[2 * i]), bool(row[2 * i + 1]))
        for value in values:
            _READINGS.move_to_end(value)
        found = {value: _READINGS[value] for value in values}
        while len(_READINGS) > _READINGS_KEPT:
            _READINGS.popitem(last=False)
    return found


def _check_bound(value: str, kind: str, field: str, reading: tuple[bool, bool]) -> None:
    readable = {"timestamp": reading[0], "number": reading[1], "text": True}[kind]
    if not readable:
        raise ConfigError(
            f"bound {value!r} cannot be compared with {field!r}: expected a {kind}",
            field="in (start/end value)",
        )


def window(
    wh: Warehouse,
    rows_sql: str,
    types: Mapping[str, DuckDBPyType],
    field: str,
    start: str | None,
    end: str | None,
) -> Window:
    """The rows of the query ``rows_sql`` (its columns typed by ``types``) after ``start`` and up
    to ``end`` (inclusive).

    Without bounds every row is taken; with one, rows whose ``field`` is NULL are not.

    Raises:
        ConfigError: ``field`` is not a column, or a bound is not comparable with it.
    """
    bounds = [v for v in (start, end) if v is not None]
    readings = _readings(wh, bounds) if bounds else {}  # one statement for the kind and checks
    kind = _kind(wh, rows_sql, types, field, start or end)
    key_sql, bound_sql = (part.format(quote(field)) for part in _KEYS[kind])
    tests, params = [], []
    for value, test in ((start, f"> {bound_sql}"), (end, f"<= {bound_sql}")):
        if value is not None:
            _check_bound(value, kind, field, readings[value])
            tests.append(test)
            params.append(value)
    return Window(key_sql, tuple(tests), tuple(params))


def last_loaded_sql(field: str, key: str) -> str:
    """The aggregate giving the new last record: the ``field`` value of the greatest ``key``
    (NULL without rows; the caller then keeps the start value)."""
    return f"CAST(arg_max({quote(field)}, {key}) FILTER (WHERE {key} IS NOT NULL) AS VARCHAR)"


_STATE_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {quote(INTERNAL_SCHEMA)}",
    f"CREATE TABLE IF NOT EXISTS {_STATE} (database VARCHAR, table_name VARCHAR, "
    "last_record VARCHAR, PRIMARY KEY (database, table_name))",
)


def _ensure_state(wh: Warehouse) -> None:
    wh.ensure("load_state", _STATE_DDL)


def read_last_record(wh: Warehouse, target: TableName) -> str | None:
    """The last value an earlier incremental load into ``target`` reached, if any (reading
    creates nothing: a load reads it before its transaction)."""
    if not table_exists(wh, _STATE_NAME):
        return None
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
    # An UPDATE of the existing row costs a third of INSERT OR REPLACE's key lookups: try it first.
    updated = wh.run(
        f"UPDATE {_STATE} SET last_record = ? WHERE database = ? AND table_name = ?",
        [last_record, target.database, target.table],
    )
    if not updated.scalar():
        wh.run(
            f"INSERT INTO {_STATE} VALUES (?, ?, ?)", [target.database, target.table, last_record]
        )
