"""Which tables hist-union combines, resolved from pipeline.yml into one model (spec §3.1).

``tables: all`` takes every ingested object that has both a history and an incremental
datasource, from the ingestion model itself; an explicit list names ``[database.]table``. Each
entry yields ``{base}`` + ``{base}_hist`` → ``{base}_histunion``; the same model names the files,
the SQL, the expected tables and the checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdpo.errors import ConfigError, listed_twice
from cdpo.phases.histunion.settings import HistUnionSettings, base_name
from cdpo.phases.ingestion import build_model, split_table

__all__ = ["PROJECT_NAME_IN_LOG", "HistUnionModel", "UnionTable", "build_union_model"]

PROJECT_NAME_IN_LOG = "hist_union"
"""``inc_log.project_name`` of hist-union watermarks (spec §3.5)."""


@dataclass(frozen=True)
class UnionTable:
    """One union: its source database, base name, target database and whether it is rebuilt."""

    database: str
    base: str
    target_database: str
    full_load: bool

    @property
    def inc(self) -> str:
        return self.base

    @property
    def hist(self) -> str:
        return f"{self.base}_hist"

    @property
    def target(self) -> str:
        return f"{self.base}_histunion"

    @property
    def files(self) -> tuple[str, ...]:
        """The SQL files of this table, relative to the project."""
        return tuple(f"queries/{self.base}{suffix}.sql" for suffix in ("_bounds", "", "_watermark"))


@dataclass(frozen=True)
class HistUnionModel:
    """The ``hist_union/`` project."""

    project: str
    lookup_database: str
    tables: tuple[UnionTable, ...]

    @property
    def workflow(self) -> str:
        return "hist_union_runner"

    @property
    def files(self) -> tuple[str, ...]:
        return (f"{self.workflow}.dig", *(f for t in self.tables for f in t.files))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(f"{t.target_database}.{t.target}" for t in self.tables)

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(f"{t.database}.{name}" for t in self.tables for name in (t.inc, t.hist))


def build_union_model(pipeline: Any) -> HistUnionModel:
    """Resolve ``hist_union:`` against the pipeline's databases (and its ingestion section).

    Raises:
        ConfigError: ``tables: all`` without an ingestion section to take them from, or no table.
    """
    settings: HistUnionSettings = pipeline.hist_union
    source_db = settings.source_database or pipeline.databases.src
    pairs = (
        _all_from_ingestion(pipeline) if settings.tables == "all" else _listed(settings, source_db)
    )
    full = set(settings.full_load)
    tables = tuple(
        UnionTable(db, base, settings.target_database or db, base in full) for db, base in pairs
    )
    bases = [t.base for t in tables]
    if twice := listed_twice(bases):
        raise ConfigError(
            f"{', '.join(twice)} listed from two databases: inc_log keys watermarks by table name",
            field="hist_union.tables",
            hint="Combine same-named tables of different databases in separate pipelines.",
        )
    if not tables:
        raise ConfigError(
            "no table to combine: no ingested object has both a history and an incremental table",
            field="hist_union.tables",
            hint="List the tables (hist_union.tables: [db.table, ...]) or ingest with mode: both.",
        )
    lookup = settings.lookup_database or pipeline.databases.config
    return HistUnionModel(settings.project, lookup, tables)


def _listed(settings: HistUnionSettings, source_db: str) -> list[tuple[str, str]]:
    pairs = []
    for entry in settings.tables:
        database, table = split_table(entry, source_db)
        pairs.append((database or source_db, base_name(table)))
    return pairs


def _all_from_ingestion(pipeline: Any) -> list[tuple[str, str]]:
    if getattr(pipeline, "ingestion", None) is None:
        raise ConfigError(
            "'all' takes the tables from the ingestion section, and pipeline.yml has none",
            field="hist_union.tables",
            hint="List the tables to combine: hist_union.tables: [database.table, ...]",
        )
    pairs = []
    for source in build_model(pipeline).sources:
        hist = {d.name for d in source.historical}
        pairs += [(source.database, d.table_name) for d in source.incremental if d.name in hist]
    return pairs
