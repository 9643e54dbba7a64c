"""Which tables staging builds, resolved from pipeline.yml: names, modes, dedup, waves.

One name scheme (spec-staging-unification.md §1.6, §7.15): ``{databases.stg}.{base}`` where the base is
the input table without ``_histunion``/``_staging``, no ``_stg`` suffix. ``staging_table_name`` is the
only place it is computed; the generator, VALIDATE and the report all read it from this model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdpo.errors import ConfigError, listed_twice
from cdpo.phases.ingestion import split_table
from cdpo.phases.staging.settings import DedupSettings, JoinSettings, StagingSettings, TableRules

__all__ = [
    "PROJECT_NAME_IN_LOG",
    "StagingModel",
    "StagingTable",
    "build_staging_model",
    "staging_table_name",
]

PROJECT_NAME_IN_LOG = "staging"
"""``inc_log.project_name`` of staging watermarks (spec §1.4)."""
_SUFFIXES = ("_histunion", "_staging")


def staging_table_name(source_table: str) -> str:
    """The staging table of an input table: its name without ``_histunion``/``_staging``.

    Example:
        >>> staging_table_name("klaviyo_events_histunion")
        'klaviyo_events'
    """
    for suffix in _SUFFIXES:
        if source_table.endswith(suffix) and len(source_table) > len(suffix):
            return source_table[: -len(suffix)]
    return source_table


@dataclass(frozen=True)
class StagingTable:
    """One input table and everything that decides its SQL except the live columns."""

    source_database: str
    source: str
    database: str
    mode: str
    rules: TableRules

    @property
    def name(self) -> str:
        return staging_table_name(self.source)

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"

    @property
    def query_name(self) -> str:
        """``{source_db}_{table}`` as the plugin names its files (spec §1.4)."""
        return f"{self.source_database}_{self.source}"

    @property
    def work_table(self) -> str:
        return f"work_{self.name}"

    @property
    def dedup(self) -> DedupSettings | None:
        return self.rules.dedup

    @property
    def joins(self) -> tuple[JoinSettings, ...]:
        return self.rules.joins


@dataclass(frozen=True)
class StagingModel:
    """The staging project: databases, tables in waves, and the settings every rule reads."""

    project: str
    engine: str
    lookup_database: str
    source_database: str
    settings: StagingSettings
    waves: tuple[tuple[StagingTable, ...], ...]

    @property
    def tables(self) -> tuple[StagingTable, ...]:
        return tuple(t for wave in self.waves for t in wave)

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t.qualified for t in self.tables)

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(f"{t.source_database}.{t.source}" for t in self.tables)


def _inputs(pipeline: Any, settings: StagingSettings, source_db: str) -> list[tuple[str, str]]:
    """``staging.tables``, else every table the earlier phases produce for this client: the
    hist-union outputs, then the ingested tables hist-union does not consume (e.g. a source
    ingested without history), so no source stops short of staging."""
    if settings.tables:
        return [(db or source_db, table) for db, table in map(split_table, settings.tables)]
    names: list[str] = []
    consumed: set[str] = set()
    if getattr(pipeline, "hist_union", None) is not None:
        from cdpo.phases.histunion import build_union_model

        union = build_union_model(pipeline)
        names += union.targets
        consumed |= set(union.inputs)
    if getattr(pipeline, "ingestion", None) is not None:
        from cdpo.phases.ingestion import build_model

        names += [t for t in build_model(pipeline).tables if t not in consumed]
    if not names:
        raise ConfigError(
            "no input table: staging.tables is empty and pipeline.yml has neither an ingestion "
            "nor a hist_union section",
            field="staging.tables",
            hint="List the tables to stage: staging.tables: [db.table_histunion, ...]",
        )
    return [tuple(t.split(".", 1)) for t in names]  # type: ignore[misc]


def _waves(tables: list[StagingTable]) -> tuple[tuple[StagingTable, ...], ...]:
    """Dependency waves: a table runs in the first wave after every table it depends on."""
    by_name = {t.name: t for t in tables}
    for table in tables:
        for dependency in table.rules.depends_on:
            if dependency not in by_name:
                raise ConfigError(
                    f"depends on '{dependency}', which is not a staging table; valid: "
                    + ", ".join(sorted(by_name)),
                    field=f"staging.rules.{table.name}.depends_on",
                )
    waves: list[tuple[StagingTable, ...]] = []
    done: set[str] = set()
    while len(done) < len(tables):
        ready = [t for t in tables if t.name not in done and set(t.rules.depends_on) <= done]
        if not ready:
            cycle = sorted(t.name for t in tables if t.name not in done)
            raise ConfigError(
                f"dependency cycle among {', '.join(cycle)}", field="staging.rules.*.depends_on"
            )
        waves.append(tuple(ready))
        done |= {t.name for t in ready}
    return tuple(waves)


def build_staging_model(pipeline: Any) -> StagingModel:
    """Resolve ``staging:`` against the pipeline's databases (and its hist-union section).

    Raises:
        ConfigError: no input table, two inputs with one staging name, rules for a table that is
            not staged, or a dependency that is unknown or circular.
    """
    settings: StagingSettings = pipeline.staging
    source_db = settings.source_database or pipeline.databases.src
    target_db = settings.target_database or pipeline.databases.stg
    tables = [
        StagingTable(db, table, target_db, "", TableRules())
        for db, table in _inputs(pipeline, settings, source_db)
    ]
    names = [t.name for t in tables]
    if short := [n for n in names if len(n) < 3]:
        raise ConfigError(
            f"staging table name(s) {', '.join(short)} are shorter than TD's 3 characters",
            field="staging.tables",
            hint="TD table names are 3-128 characters; rename the input table.",
        )
    if dupes := listed_twice(names):
        raise ConfigError(
            f"two input tables share the staging name {', '.join(dupes)}", field="staging.tables"
        )
    if unknown := sorted(set(settings.rules) - set(names)):
        raise ConfigError(
            f"rules for {', '.join(unknown)}, which is not staged; staged: {', '.join(names)}",
            field="staging.rules",
        )
    tables = [
        StagingTable(
            t.source_database,
            t.source,
            t.database,
            (rules := settings.rules.get(t.name, TableRules())).mode or settings.mode,
            rules,
        )
        for t in tables
    ]
    lookup = settings.lookup_database or pipeline.databases.config
    return StagingModel(
        settings.project, settings.engine, lookup, source_db, settings, _waves(tables)
    )
