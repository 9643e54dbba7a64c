"""TD's ``time`` column on loaded rows: the embulk ``add_time`` filter, and its default.

Every TD table has ``time`` (unix seconds). A load config sets it with an ``add_time`` filter
(github.com/treasure-data/embulk-filter-add_time): ``from_column`` (a unix time with
``unix_timestamp_unit``, or a timestamp string, optionally with a strftime ``timestamp_format``),
``from_value: {value: ...}`` or ``from_value: {mode: upload_time}``. Without the filter, a ``time``
column in the data is kept (parsed when it is a string) and otherwise the upload time is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdpo.errors import ConfigError, WorkflowError, did_you_mean
from cdpo.targets.local.warehouse.catalog import NUMERIC_TYPE_IDS
from cdpo.targets.local.warehouse.names import TableName, quote, sql_literal, valid_column

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["TimeSpec", "apply_time", "time_spec"]

_UNITS = {"sec": 1, "milli": 1_000, "micro": 1_000_000, "nano": 1_000_000_000}
_SUPPORTED_FILTERS = ("add_time",)
_NEW = "__cdpo_time"


@dataclass(frozen=True)
class TimeSpec:
    """Where the time column comes from; with no field set, the default rule applies."""

    column: str = "time"
    from_column: str | None = None
    unit: str = "sec"
    timestamp_format: str | None = None
    value: int | str | None = None
    upload_time: bool = False


def time_spec(filters: object) -> TimeSpec:
    """Read the ``add_time`` filter of a load config's ``filters:`` list (default rule without).

    Raises:
        ConfigError: ``filters`` is not a list, names a filter other than add_time, or an
            add_time filter lacks ``from_column``/``from_value`` or has a bad unit.
    """
    if filters is None:
        return TimeSpec()
    if not isinstance(filters, list):
        raise ConfigError("expected a list of filters", field="filters")
    spec = TimeSpec()
    for i, item in enumerate(filters):
        kind = item.get("type") if isinstance(item, Mapping) else None
        if kind not in _SUPPORTED_FILTERS:
            raise ConfigError(
                f"filter type {kind!r} is not supported locally: expected one of "
                f"{', '.join(_SUPPORTED_FILTERS)}." + did_you_mean(str(kind), _SUPPORTED_FILTERS),
                field=f"filters[{i}].type",
            )
        spec = _add_time(item, f"filters[{i}]")
    return spec


def _add_time(item: Mapping[str, Any], where: str) -> TimeSpec:
    to_column = item.get("to_column") or {}
    column = valid_column(to_column.get("name", "time"), field=f"{where}.to_column.name")
    source = item.get("from_column")
    if isinstance(source, Mapping):
        unit = source.get("unix_timestamp_unit", "sec")
        if unit not in _UNITS:
            raise ConfigError(
                f"unknown unit {unit!r}: expected one of {', '.join(_UNITS)}",
                field=f"{where}.from_column.unix_timestamp_unit",
            )
        name = valid_column(source.get("name"), field=f"{where}.from_column.name")
        return TimeSpec(column, name, unit, source.get("timestamp_format"))
    value = item.get("from_value")
    if isinstance(value, Mapping) and value.get("mode") == "upload_time":
        return TimeSpec(column, upload_time=True)
    if isinstance(value, Mapping) and value.get("value") is not None:
        return TimeSpec(column, value=value["value"])
    raise ConfigError(
        "add_time needs 'from_column: {name: ...}' or 'from_value: {mode: upload_time}' "
        "or 'from_value: {value: ...}'",
        field=where,
    )


def _from_column_sql(column: str, dtype_id: str, spec: TimeSpec) -> str:
    ref = quote(column)
    if dtype_id in NUMERIC_TYPE_IDS:
        return f"CAST(floor({ref} / {_UNITS[spec.unit]}) AS BIGINT)"
    if spec.timestamp_format:
        parsed = f"try_strptime(CAST({ref} AS VARCHAR), {sql_literal(spec.timestamp_format)})"
    else:
        parsed = f"TRY_CAST(CAST({ref} AS VARCHAR) AS TIMESTAMPTZ)"
    return f"CAST(floor(epoch({parsed})) AS BIGINT)"


def _value_sql(wh: Warehouse, value: int | str) -> str:
    if isinstance(value, int) or str(value).isdigit():
        return str(int(value))
    parsed = wh.first("SELECT CAST(floor(epoch(TRY_CAST(? AS TIMESTAMPTZ))) AS BIGINT)", [value])
    if not parsed or parsed[0] is None:
        raise ConfigError(f"from_value {value!r} is not a unix time or timestamp", field="filters")
    return str(parsed[0])


def apply_time(wh: Warehouse, staged: TableName, spec: TimeSpec, upload_time: int) -> None:
    """Set ``spec.column`` (and, always, ``time``) on every row of ``staged``, in unix seconds.

    Raises:
        ConfigError: ``from_column`` is not a column of the data.
        WorkflowError: a row's value cannot be read as a time (the value is quoted).
    """
    relation = wh.con.table(staged.sql)
    types = {c: t.id for c, t in zip(relation.columns, relation.types, strict=True)}
    source = spec.from_column or (None if spec.upload_time or spec.value else "time")
    if spec.from_column and spec.from_column not in types:
        raise ConfigError(
            f"add_time from_column {spec.from_column!r} is not a column of the loaded files "
            f"(columns: {', '.join(relation.columns)})." + did_you_mean(spec.from_column, types),
            field="filters",
        )
    if source in types:
        expr = _from_column_sql(source, types[source], spec)
    elif spec.value is not None:
        expr = _value_sql(wh, spec.value)
    else:
        expr = str(int(upload_time))
    _set_column(wh, staged, spec.column, expr, source if source in types else None)
    if spec.column != "time" and "time" not in types:
        _set_column(wh, staged, "time", str(int(upload_time)), None)


def _set_column(
    wh: Warehouse, staged: TableName, column: str, expr: str, source: str | None
) -> None:
    wh.run(f"ALTER TABLE {staged.sql} ADD COLUMN {_NEW} BIGINT")
    wh.run(f"UPDATE {staged.sql} SET {_NEW} = {expr}")
    if source is not None:
        bad = wh.first(
            f"SELECT CAST({quote(source)} AS VARCHAR) FROM {staged.sql} WHERE {_NEW} IS NULL LIMIT 1"
        )
        if bad is not None:
            raise WorkflowError(
                f"cannot compute '{column}' from column {source!r}: value {bad[0]!r} is not a "
                "unix time or a timestamp (set add_time from_column.timestamp_format)"
            )
    if column in wh.con.table(staged.sql).columns:
        wh.run(f"ALTER TABLE {staged.sql} DROP COLUMN {quote(column)}")
    wh.run(f"ALTER TABLE {staged.sql} RENAME COLUMN {_NEW} TO {quote(column)}")
