"""TD's ``time`` column on loaded rows: the embulk ``add_time`` filter, and its default.

Every TD table has ``time`` (unix seconds). A load config sets it with an ``add_time`` filter
(github.com/treasure-data/embulk-filter-add_time): ``from_column`` (a unix time with
``unix_timestamp_unit``, or a timestamp string, optionally with a strftime ``timestamp_format``),
``from_value: {value: ...}`` or ``from_value: {mode: upload_time}``. Without the filter, a ``time``
column in the data is kept (parsed when it is a string) and otherwise the upload time is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdpo.errors import ConfigError, WorkflowError, did_you_mean
from cdpo.targets.local.warehouse.catalog import NUMERIC_TYPE_IDS
from cdpo.targets.local.warehouse.names import quote, sql_literal, valid_column

if TYPE_CHECKING:
    from duckdb.sqltypes import DuckDBPyType

    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["TimeColumns", "TimeSpec", "time_columns", "time_spec"]

_UNITS = {"sec": 1, "milli": 1_000, "micro": 1_000_000, "nano": 1_000_000_000}
_SUPPORTED_FILTERS = ("add_time",)


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


@dataclass(frozen=True)
class TimeColumns:
    """How loaded rows get their time columns: ``select`` is the select list over them.

    ``column`` replaces a data column of that name; when it is computed from the data column
    ``source`` with ``expr``, a NULL in it means a value that is not a time (``bad_value_error``).
    """

    select: str
    column: str
    source: str | None = None
    expr: str | None = None

    def bad_value_error(
        self, wh: Warehouse, rows_sql: str, condition: str, params: Sequence[str]
    ) -> WorkflowError:
        """The error for the first loaded row whose ``source`` value cannot be read as a time."""
        bad = wh.first(
            f"SELECT CAST({quote(str(self.source))} AS VARCHAR) FROM ({rows_sql}) AS r "
            f"WHERE ({condition}) AND ({self.expr}) IS NULL LIMIT 1",
            params,
        )
        return WorkflowError(
            f"cannot compute '{self.column}' from column {self.source!r}: value "
            f"{bad[0] if bad else None!r} is not a unix time or a timestamp "
            "(set add_time from_column.timestamp_format)"
        )


def time_columns(
    wh: Warehouse, types: Mapping[str, DuckDBPyType], spec: TimeSpec, upload_time: int
) -> TimeColumns:
    """The select list that sets ``spec.column`` (and, always, ``time``) in unix seconds.

    The computed column replaces a data column of that name, last in the row, as TD's add_time
    filter does; ``time`` is added after it when the data has none.

    Raises:
        ConfigError: ``from_column`` is not a column of the data.
    """
    ids = {column: dtype.id for column, dtype in types.items()}
    source = spec.from_column or (None if spec.upload_time or spec.value else "time")
    if spec.from_column and spec.from_column not in ids:
        raise ConfigError(
            f"add_time from_column {spec.from_column!r} is not a column of the loaded files "
            f"(columns: {', '.join(ids)})." + did_you_mean(spec.from_column, ids),
            field="filters",
        )
    if source in ids:
        expr = _from_column_sql(source, ids[source], spec)
    elif spec.value is not None:
        expr = _value_sql(wh, spec.value)
    else:
        expr = str(int(upload_time))
    kept = "*" if spec.column not in ids else f"* EXCLUDE ({quote(spec.column)})"
    select = f"{kept}, CAST({expr} AS BIGINT) AS {quote(spec.column)}"
    if spec.column != "time" and "time" not in ids:
        select += f", CAST({int(upload_time)} AS BIGINT) AS {quote('time')}"
    if source not in ids:
        return TimeColumns(select, spec.column)
    return TimeColumns(select, spec.column, source, expr)
