"""Read local CSV, TSV, JSON-lines and Parquet files into a warehouse table, once per attempt.

Types are stored as TD stores them: integers as ``bigint``, reals as ``double``, text as
``varchar`` kept exactly as written (timestamp-looking strings are not parsed: TD keeps a
connector's timestamps as strings), nested JSON objects as JSON text, arrays as arrays.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdpo.errors import ConfigError, did_you_mean
from cdpo.targets.local.warehouse.names import quote, valid_column

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = [
    "FILE_TABLES_KEPT",
    "FORMATS",
    "KEY_COLUMN",
    "FileSource",
    "embulk_columns",
    "file_rows",
    "format_of",
    "keyed_rows",
    "parser_source",
]

FORMATS = ("csv", "tsv", "jsonl", "parquet")
_ALIASES = {"json": "jsonl", "ndjson": "jsonl", "jsonlines": "jsonl"}
_COMPRESSED = (".gz", ".zst")
# Embulk column types (parser.columns[].type) → DuckDB storage types as TD stores them.
_EMBULK_TYPES = {
    "string": "VARCHAR",
    "long": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "VARCHAR",
    "json": "VARCHAR",
}
# Guess only these types from CSV text: timestamps and dates stay the strings they were.
_CSV_TYPE_CANDIDATES = ["BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR"]
# A timestamp/date format no value matches, so read_json keeps such strings as VARCHAR.
_NO_MATCH_FORMAT = "%%never-a-timestamp"


@dataclass(frozen=True)
class FileSource:
    """Files to load and how to parse them; ``origin`` says where this came from, for errors."""

    files: tuple[Path, ...]
    format: str
    origin: str
    delimiter: str | None = None
    quote: str | None = None
    escape: str | None = None
    header: bool = True
    columns: tuple[tuple[str, str], ...] = ()


def format_of(value: str | None, files: Sequence[Path], *, origin: str) -> str:
    """The format named by ``value`` (a parser type or format name), else by the file extension.

    Raises:
        ConfigError: the name (or extension) is not one of ``FORMATS``.
    """
    if value is None:
        names = {_extension(f) for f in files}
        if len(names) != 1:
            raise ConfigError(
                f"cannot tell the format of {', '.join(sorted(map(str, files)))}: "
                f"set it (one of {', '.join(FORMATS)})",
                field=origin,
            )
        value = names.pop()
    fmt = _ALIASES.get(value.lower(), value.lower())
    if fmt not in FORMATS:
        raise ConfigError(
            f"unknown format {value!r}: expected one of {', '.join(FORMATS)}."
            + did_you_mean(value, FORMATS),
            field=origin,
        )
    return fmt


def _extension(path: Path) -> str:
    suffixes = [s for s in path.suffixes if s not in _COMPRESSED]
    return suffixes[-1].lstrip(".") if suffixes else ""


def embulk_columns(columns: object, *, origin: str) -> tuple[tuple[str, str], ...]:
    """``parser.columns`` (``[{name, type}]``) → ``(name, DuckDB type)`` pairs."""
    if columns is None:
        return ()
    if not isinstance(columns, list):
        raise ConfigError("expected a list of {name, type}", field=f"{origin}.columns")
    pairs = []
    for i, col in enumerate(columns):
        where = f"{origin}.columns[{i}]"
        if not isinstance(col, Mapping) or "name" not in col:
            raise ConfigError("expected {name: ..., type: ...}", field=where)
        kind = str(col.get("type", "string"))
        if kind not in _EMBULK_TYPES:
            raise ConfigError(
                f"unknown column type {kind!r}: expected one of {', '.join(_EMBULK_TYPES)}."
                + did_you_mean(kind, _EMBULK_TYPES),
                field=where,
            )
        pairs.append((valid_column(col["name"], field=where), _EMBULK_TYPES[kind]))
    return tuple(pairs)


def _read_sql(
    source: FileSource, detected: Sequence[tuple[str, Any]] = ()
) -> tuple[str, list[Any]]:
    """The reader of ``source``'s files and its params.

    ``detected`` (the ``(name, type)`` pairs a first read of the files found) is handed to the
    JSON reader, which would otherwise sample the files again to find them: a third of the cost
    of reading a JSON-lines file. CSV and Parquet readers gain nothing from it (the CSV sniffer
    runs anyway), so they detect as before.
    """
    files = [str(f) for f in source.files]
    if source.format == "parquet":
        return "read_parquet(?, union_by_name = true)", [files]
    params: list[Any] = [files]
    if source.format == "jsonl":
        options = ["format = 'newline_delimited'", "union_by_name = true"]
        options += ["timestampformat = ?", "dateformat = ?"]
        params += [_NO_MATCH_FORMAT, _NO_MATCH_FORMAT]
        if detected:
            options.append("columns = ?")
            params.append({name: str(dtype) for name, dtype in detected})
        return f"read_json(?, {', '.join(options)})", params
    delimiter = source.delimiter or ("\t" if source.format == "tsv" else ",")
    options = ["header = ?", "delim = ?", "quote = ?", "escape = ?", "union_by_name = true"]
    params += [source.header, delimiter, source.quote or '"', source.escape or '"']
    if source.columns:
        options.append("columns = ?")
        params.append(dict(source.columns))
    else:
        options.append("auto_type_candidates = ?")
        params.append(_CSV_TYPE_CANDIDATES)
    return f"read_csv(?, {', '.join(options)})", params


def _storage_expr(column: str, dtype: Any) -> str:
    """The select expression that stores ``column`` as TD would."""
    kind = dtype.id
    ref = quote(column)
    if kind in {"tinyint", "smallint", "integer", "bigint", "utinyint", "usmallint", "uinteger"}:
        return f"CAST({ref} AS BIGINT) AS {ref}"
    if kind in {"float", "double", "decimal", "hugeint", "ubigint"}:
        return f"CAST({ref} AS DOUBLE) AS {ref}"
    if kind in {"boolean", "varchar", "list"}:
        return ref
    if kind in {"struct", "map", "json"}:
        return f"CAST(to_json({ref}) AS VARCHAR) AS {ref}"
    return f"CAST({ref} AS VARCHAR) AS {ref}"


FILE_TABLES_KEPT = 6
"""Parsed file sets (and their keyed copies) an open warehouse keeps, least recently used
dropped first."""
KEY_COLUMN = "__cdpo_key"
"""The column of ``keyed_rows`` holding each row's incremental key."""
_FILES_DB = "_cdpo_files"


def file_rows(wh: Warehouse, source: FileSource) -> str:
    """A table holding every row of ``source``'s files, typed as TD stores them.

    A history load reads the same replay file once per monthly batch; an attempt keeps its
    warehouse open, so the files are parsed once per attempt and each batch selects its window
    from the parsed rows. A file whose size or modification time changed is parsed again.
    Call it outside a transaction: a rolled-back load must not leave a stale entry.

    Raises:
        ConfigError: a file is missing, or a column name is not a valid identifier.
        WorkflowError: DuckDB cannot parse a file (its message names the file and line).
    """
    for path in source.files:
        if not path.is_file():
            raise ConfigError(f"file not found: {path}", field=source.origin)
    stats = (path.stat() for path in source.files)
    key = (source, tuple((stat.st_mtime_ns, stat.st_size) for stat in stats))
    if (kept := _recalled(wh, key)) is not None:
        return kept
    reader, params = _read_sql(source)
    columns = wh.columns_of(f"SELECT * FROM {reader}", params)
    for name, _ in columns:
        valid_column(name, field=f"{source.origin}: a column of {source.files[0].name}")
    select = ", ".join(_storage_expr(name, dtype) for name, dtype in columns)
    reader, params = _read_sql(source, columns)
    return _kept(wh, key, f"SELECT {select} FROM {reader}", params)


def keyed_rows(wh: Warehouse, rows: str, key_sql: str) -> str:
    """``rows`` (a ``file_rows`` table) with ``key_sql`` computed once into ``KEY_COLUMN``.

    The monthly batches of a history load compare every row's incremental key with their window:
    reading a timestamp from text once per attempt, not once per batch, makes each batch a scan
    of one typed column. Row order is ``rows``'; call it outside a transaction, as ``file_rows``.
    """
    key = ("keyed", rows, key_sql)
    if (kept := _recalled(wh, key)) is not None:
        return kept
    return _kept(wh, key, f"SELECT *, {key_sql} AS {quote(KEY_COLUMN)} FROM {rows}", [])


def _recalled(wh: Warehouse, key: Hashable) -> str | None:
    """The table kept under ``key``, now the most recently used; None when none is."""
    cache = wh.file_tables
    if key not in cache:
        return None
    cache.move_to_end(key)
    return cache[key]


def _kept(wh: Warehouse, key: Hashable, select: str, params: list[Any]) -> str:
    """A new table of ``select`` in the parsed files' database, remembered under ``key``."""
    cache = wh.file_tables
    if not cache:  # a database of its own, so no TD database lists the parsed files
        wh.run(f"ATTACH IF NOT EXISTS ':memory:' AS {_FILES_DB}")
    name = f"{_FILES_DB}.main.{quote('t_' + uuid.uuid4().hex[:12])}"
    wh.run(f"CREATE TABLE {name} AS {select}", params)
    cache[key] = name
    while len(cache) > FILE_TABLES_KEPT:
        wh.run(f"DROP TABLE IF EXISTS {cache.popitem(last=False)[1]}")
    return name


def parser_source(parser: object, files: tuple[Path, ...], *, origin: str) -> FileSource:
    """A ``FileSource`` from an embulk ``parser:`` section (type, delimiter, quote, escape,
    skip_header_lines, columns); the format falls back to the file extension.

    Without ``columns`` the first line is a header unless ``skip_header_lines: 0`` says otherwise.
    """
    if parser is None:
        parser = {}
    if not isinstance(parser, Mapping):
        raise ConfigError(
            "expected a mapping (type, delimiter, columns …)", field=f"{origin}.parser"
        )
    where = f"{origin}.parser"
    columns = embulk_columns(parser.get("columns"), origin=where)
    skip = parser.get("skip_header_lines", 0 if columns else 1)
    return FileSource(
        files=files,
        format=format_of(parser.get("type"), files, origin=where),
        origin=origin,
        delimiter=parser.get("delimiter"),
        quote=parser.get("quote"),
        escape=parser.get("escape"),
        header=bool(skip),
        columns=columns,
    )
