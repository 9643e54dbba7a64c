"""The replay mapping: where the local target finds the data a SaaS connector would have fetched.

A generated ``td_load>`` config names a connector (``type: shopify_v2``, ``klaviyo``,
``bigquery_v2`` …) that cannot run offline. The local target is given a YAML file, kept outside
the generated project so the project stays identical for every target, that maps each destination
table to local files. Example (paths relative to the YAML file)::

    version: 1
    tables:
      client_src.shopify_products:     # destination database.table; '*.table' for any database
        connector: shopify_v2          # optional: must equal the load config's in.type
        files: [replay/shopify/products_*.jsonl]
        format: jsonl                  # csv | tsv | jsonl | parquet (default: file extension)
        incremental_field: updated_at  # compared with the load's start/last_record values
      client_src.pinterest_campaigns:
        files: [replay/pinterest/campaigns.csv]
        delimiter: ','
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse.names import TableName, valid_column, valid_name
from cdpo.targets.local.warehouse.readers import FileSource, format_of, parser_source

__all__ = ["ReplayMapping", "ReplayTable", "load_replay_mapping"]


class ReplayTable(BaseModel):
    """How to replay the loads into one destination table."""

    model_config = ConfigDict(extra="forbid")

    files: list[str] = Field(
        min_length=1, description="Glob patterns of the files, relative to the mapping file."
    )
    format: str | None = Field(None, description="csv, tsv, jsonl or parquet; default: extension.")
    connector: str | None = Field(None, description="The connector type (in.type) it stands for.")
    incremental_field: str | None = Field(
        None, description="Column compared with the load's start value on incremental loads."
    )
    delimiter: str | None = Field(None, description="CSV/TSV field delimiter.")
    header: bool = Field(True, description="CSV/TSV files start with a header line.")

    @field_validator("incremental_field")
    @classmethod
    def _column(cls, value: str | None) -> str | None:
        return None if value is None else valid_column(value, field="incremental_field")


class ReplayMapping(BaseModel):
    """Destination ``database.table`` → the local files replayed for it."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(1, description="Format version of this file; only 1 exists.")
    tables: dict[str, ReplayTable] = Field(default_factory=dict)
    base_dir: Path = Field(Path(), exclude=True, description="Directory globs are relative to.")
    source_file: str = Field("<replay mapping>", exclude=True)

    @field_validator("tables")
    @classmethod
    def _keys(cls, tables: dict[str, ReplayTable]) -> dict[str, ReplayTable]:
        for key in tables:
            db, dot, table = key.partition(".")
            if not dot or (db != "*" and not _is_name(db)) or not _is_name(table):
                raise ValueError(f"key {key!r} must be 'database.table' or '*.table'")
        return tables

    def entry(self, target: TableName) -> tuple[str, ReplayTable] | None:
        """The entry for ``target``: an exact ``db.table`` key first, then ``*.table``."""
        for key in (str(target), f"*.{target.table}"):
            if key in self.tables:
                return key, self.tables[key]
        return None

    def source_for(
        self, target: TableName, connector: str, parser: object = None
    ) -> tuple[FileSource, str | None]:
        """The files replayed for a ``connector`` load into ``target``, and its incremental field.

        Without a ``format`` in the entry, the load config's ``parser`` (when it has one, as SFTP
        loads do) says how to read the files.

        Raises:
            ConfigError: no entry, a connector mismatch, a pattern matching no file, a bad format.
        """
        found = self.entry(target)
        if found is None:
            raise ConfigError(
                f"no replay entry for {target} (connector {connector!r}); "
                f"add '{target}: {{files: [...]}}' under 'tables:'",
                file=self.source_file,
                hint="SaaS connectors run locally only by replaying files listed in this mapping.",
            )
        key, entry = found
        origin = f"{self.source_file}: tables.{key}"
        if entry.connector and entry.connector != connector:
            raise ConfigError(
                f"replays connector {entry.connector!r} but the load config says {connector!r}",
                field=origin,
            )
        files = self._files(entry, origin)
        if entry.format is None and parser is not None:
            return parser_source(parser, files, origin=origin), entry.incremental_field
        source = FileSource(
            files=files,
            format=format_of(entry.format, files, origin=origin),
            origin=origin,
            delimiter=entry.delimiter,
            header=entry.header,
        )
        return source, entry.incremental_field

    def _files(self, entry: ReplayTable, origin: str) -> tuple[Path, ...]:
        found: list[Path] = []
        for pattern in entry.files:
            absolute = Path(pattern).is_absolute()
            base = Path(Path(pattern).anchor) if absolute else self.base_dir
            relative = str(Path(pattern).relative_to(base)) if absolute else pattern
            matches = sorted(p for p in base.glob(relative) if p.is_file())
            if not matches:
                raise ConfigError(
                    f"file not found: {pattern!r} matches no file in {self.base_dir}",
                    field=origin,
                )
            found.extend(matches)
        return tuple(found)


def _is_name(value: str) -> bool:
    try:
        valid_name(value)
    except ConfigError:
        return False
    return True


def load_replay_mapping(path: str | Path) -> ReplayMapping:
    """Read and validate a replay mapping file.

    Every ``td_load>`` of a monthly history batch asks for the same file: it is parsed again only
    when its size or modification time changed.

    Raises:
        ConfigError: the file is missing, not YAML, or has a bad field (file, line and field named).
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise ConfigError("replay mapping file not found", file=path) from exc
    return _parse_mapping(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parse_mapping(path: Path, mtime_ns: int, size: int) -> ReplayMapping:
    """The mapping in ``path``; ``mtime_ns`` and ``size`` are only the cache key."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("replay mapping file not found", file=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"not valid YAML: {exc}", file=path, line=line) from exc
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with 'version' and 'tables'", file=path)
    try:
        mapping = ReplayMapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(first["msg"], file=path, field=field) from exc
    if mapping.version != 1:
        raise ConfigError(f"unsupported version {mapping.version}: expected 1", file=path)
    return mapping.model_copy(update={"base_dir": path.resolve().parent, "source_file": str(path)})
