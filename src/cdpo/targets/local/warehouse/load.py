"""``td_load>`` on the warehouse: an embulk-style config (``in``/``filters``/``out``) → a TD table.

``in.type: file`` reads local files under ``in.path_prefix`` with its ``parser``; any other type
(a SaaS connector) is replayed from the files a ``ReplayMapping`` lists for the destination;
a query-based connector (BigQuery, Snowflake) runs its ``query`` over those files.
As Treasure Data does, every loaded row gets a ``time`` column in unix seconds (embulk
``add_time`` filter: from a column, a fixed value, or the upload time); ``out.mode`` appends (new
columns are added) or replaces; ``incremental: true`` loads only rows after the start value
(``last_record``, ``start_time``, ``from_date`` …; else the last value this table loaded) and up
to the end value. The load runs in one transaction: on failure the table is as it was. Its rows
are built with their time columns in one statement, and the monthly windows of a history load
compare incremental keys read from the files once per attempt (``readers.keyed_rows``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdpo.errors import ConfigError, did_you_mean
from cdpo.targets.local.warehouse import catalog
from cdpo.targets.local.warehouse.incremental import (
    Window,
    last_loaded_sql,
    read_last_record,
    save_last_record,
    window,
)
from cdpo.targets.local.warehouse.names import TableName, quote, table_name
from cdpo.targets.local.warehouse.query_replay import source_query, source_select
from cdpo.targets.local.warehouse.readers import (
    KEY_COLUMN,
    FileSource,
    file_rows,
    keyed_rows,
    parser_source,
)
from cdpo.targets.local.warehouse.time_column import TimeColumns, time_columns, time_spec

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.replay import ReplayMapping
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["END_KEYS", "MODES", "START_KEYS", "LoadResult", "run_td_load"]

MODES = ("append", "replace")
START_KEYS = ("last_record", "start_time", "from_date", "from_value", "start_date", "since")
"""``in:`` keys holding the value after which an incremental load starts (first one set wins)."""
END_KEYS = ("end_time", "to_date", "to_value", "end_date", "until")
"""``in:`` keys holding the last value an incremental load takes (inclusive)."""
_FILE_TYPES = ("file", "local")


@dataclass(frozen=True)
class LoadResult:
    """What a load did: ``num_records`` is TD's ``td.last_job.num_records``."""

    table: TableName
    num_records: int
    mode: str
    files: tuple[Path, ...]
    last_record: str | None = None


def run_td_load(
    wh: Warehouse,
    config: Mapping[str, Any],
    *,
    database: str,
    table: str,
    replay: ReplayMapping | None = None,
    base_dir: Path | None = None,
    mode: str | None = None,
    upload_time: int | None = None,
) -> LoadResult:
    """Load into ``database.table`` as ``td_load>`` would, from local files.

    Args:
        config: the load config, ``${...}`` already rendered, parsed from YAML.
        replay: where connector loads find their files (required for non-file ``in.type``).
        base_dir: directory relative ``in.path_prefix`` values start from (the project).
        mode: td_load>'s ``mode`` option; overrides ``out.mode``.
        upload_time: unix seconds used as the upload time; defaults to now.

    Raises:
        ConfigError: a missing section, file or replay entry, an unknown format or mode, a bad name.
        NotFoundError: the database does not exist.
        WorkflowError: a file cannot be parsed or a ``time`` value cannot be computed.
    """
    target = table_name(table, database, field="table")
    wh.require_database(target.database)
    section = _section(config, "in")
    source, field = _source(section, target, replay, base_dir)
    query = source_query(section)
    out_mode = _mode(mode, config)
    spec = time_spec(config.get("filters"))
    now = int(time.time()) if upload_time is None else int(upload_time)
    if not source.files:  # every file is at or before last_path: nothing new to load
        return LoadResult(target, 0, out_mode, ())
    rows = file_rows(wh, source)  # parsed once per attempt, outside the load's transaction
    # A query-based source runs its query (and its WHERE window) on TD's side: so do we.
    select = f"SELECT * FROM {rows}" if query is None else source_select(rows, *query)
    types = dict(wh.columns_of(select))
    taken, start = _window(wh, select, types, target, section, field)
    times = time_columns(wh, types, spec, now)
    loaded = _loaded_rows(wh, rows if query is None else None, select, types, taken)
    # Counted and checked before anything is written: a bad time value fails the load early.
    count, last = _summary(wh, loaded, taken, times, field)
    last = start if last is None else last  # no new row: the load stays where it started
    with wh.transaction():
        # One statement writes the load's rows with their time columns: no staged copy.
        catalog.write_rows(
            wh,
            f"SELECT {times.select} FROM (SELECT {loaded.columns} FROM ({loaded.sql}) AS l) AS r",
            target,
            overwrite=out_mode == "replace",
            params=taken.params,
        )
        if taken.key and field:
            save_last_record(wh, target, last)
    return LoadResult(target, count, out_mode, source.files, last)


@dataclass(frozen=True)
class _Loaded:
    """The rows a load takes (``sql``, with the window's params) and each one's incremental key;
    ``columns`` selects the loaded columns from them (a keyed file table's key is left out)."""

    sql: str
    key: str
    columns: str = "*"


def _loaded_rows(
    wh: Warehouse, rows: str | None, select: str, types: dict[str, Any], taken: Window
) -> _Loaded:
    """The rows this load takes, in the files' order.

    A window over a file table compares keys computed once per attempt (``keyed_rows``).
    """
    if rows is None or not taken.tests or KEY_COLUMN in {name.lower() for name in types}:
        return _Loaded(f"SELECT * FROM ({select}) AS r WHERE {taken.condition}", taken.key)
    keyed = keyed_rows(wh, rows, taken.key)
    key = quote(KEY_COLUMN)
    return _Loaded(
        f"SELECT * FROM {keyed} WHERE {taken.condition_on(key)}", key, f"* EXCLUDE ({key})"
    )


def _summary(
    wh: Warehouse,
    loaded: _Loaded,
    taken: Window,
    times: TimeColumns,
    field: str | None,
) -> tuple[int, str | None]:
    """The loaded row count and the new last record (None: no row), in one statement.

    Raises:
        WorkflowError: a row's time value cannot be computed (the value is quoted).
    """
    parts = ["count(*)"]
    if times.source:
        parts.append(f"count(*) FILTER (WHERE ({times.expr}) IS NULL)")
    if taken.key and field:
        parts.append(last_loaded_sql(field, loaded.key))
    row = wh.run(f"SELECT {', '.join(parts)} FROM ({loaded.sql}) AS r", taken.params).rows[0]
    if times.source and row[1]:
        raise times.bad_value_error(wh, loaded.sql, "TRUE", taken.params)
    return int(row[0]), row[-1] if taken.key and field else None


def _section(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = config.get(key) if isinstance(config, Mapping) else None
    if not isinstance(value, Mapping):
        raise ConfigError(f"the load config needs an '{key}:' section (a mapping)", field=key)
    return value


def _mode(mode: str | None, config: Mapping[str, Any]) -> str:
    out = config.get("out")
    value = mode or (out.get("mode") if isinstance(out, Mapping) else None) or "append"
    if value not in MODES:
        raise ConfigError(
            f"unknown mode {value!r}: expected one of {', '.join(MODES)}."
            + did_you_mean(str(value), MODES),
            field="out.mode",
        )
    return str(value)


def _source(
    section: Mapping[str, Any],
    target: TableName,
    replay: ReplayMapping | None,
    base_dir: Path | None,
) -> tuple[FileSource, str | None]:
    kind = section.get("type")
    if not isinstance(kind, str) or not kind:
        raise ConfigError("missing the connector type (e.g. 'file', 'shopify_v2')", field="in.type")
    field = section.get("incremental_field")
    if kind in _FILE_TYPES:
        files = _prefix_files(section.get("path_prefix"), base_dir)
        source = parser_source(section.get("parser"), files, origin="in")
        last_path = section.get("last_path")
        if last_path:  # embulk's incremental file loading: only paths sorting after last_path
            source = replace(source, files=tuple(f for f in files if str(f) > str(last_path)))
        return source, field
    if replay is None:
        raise ConfigError(
            f"connector {kind!r} cannot run locally without a replay mapping",
            field="in.type",
            hint="Give the local target a replay file that maps this table to local files.",
        )
    source, replay_field = replay.source_for(target, kind, section.get("parser"))
    return source, replay_field or field


def _prefix_files(prefix: object, base_dir: Path | None) -> tuple[Path, ...]:
    """Files whose path starts with ``prefix``, sorted, as embulk's local file input lists them."""
    if not isinstance(prefix, str) or not prefix:
        raise ConfigError("an 'in.type: file' load needs 'path_prefix'", field="in.path_prefix")
    path = Path(prefix)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    folder = path if prefix.endswith("/") else path.parent
    if not folder.is_dir():
        raise ConfigError(f"file not found: no directory {folder}", field="in.path_prefix")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and str(p).startswith(str(path)))
    if not files:
        raise ConfigError(f"file not found: no file starts with {path}", field="in.path_prefix")
    return tuple(files)


def _window(
    wh: Warehouse,
    select: str,
    types: dict[str, Any],
    target: TableName,
    section: Mapping[str, Any],
    field: str | None,
) -> tuple[Window, str | None]:
    """The rows of ``select`` this load takes, and the start value it takes them after.

    An incremental load takes the rows after the start value and up to the end value; a file
    input without an incremental field is incremental by ``last_path`` alone (every row).
    """
    if not section.get("incremental") or (not field and section.get("type") in _FILE_TYPES):
        return Window(), None
    if not field:
        raise ConfigError(
            f"incremental load into {target} has no incremental field: set 'incremental_field' "
            "in the replay entry (or in 'in:')",
            field="in.incremental",
        )
    start = _first(section, START_KEYS)
    if start is None:
        start = read_last_record(wh, target)
    return window(wh, select, types, field, start, _first(section, END_KEYS)), start


def _first(section: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = section.get(key)
        if value not in (None, ""):
            return str(value)
    return None
