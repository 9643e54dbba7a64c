"""The ingestion project as one typed model: every file, workflow, run and table derives from it.

``build_model(pipeline)`` resolves pipeline.yml's ``ingestion:`` section against the connector
families into datasources (one per object and direction), monthly ranges and workflow names. The
generator renders files from this model, the plan and the checks read their expectations from it:
never from a ``{source}_{object}`` formula (spec §5.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError
from cdpo.phases.base import WorkflowRun
from cdpo.phases.ingestion.families import ConnectorType, Family, WorkflowShape
from cdpo.phases.ingestion.settings import (
    IngestionSettings,
    IngestMode,
    ObjectSettings,
    SourceSettings,
)
from cdpo.phases.ingestion.timefmt import MonthRange, first_bound, month_ranges

__all__ = ["LOG_TABLE", "Datasource", "IngestionModel", "SourceModel", "build_model"]

LOG_TABLE = "ingestion_log"
"""The log every ingestion workflow creates first and writes STARTED/SUCCESS/ERROR rows to."""


@dataclass(frozen=True)
class Datasource:
    """One object loaded in one direction: an item of ``{source}_datasources.yml``."""

    name: str
    table_name: str
    config_file: str
    incremental_field: str | None
    incremental_field_connector: str | None
    default_start_time: str
    workflow_name: str
    mode: str
    extras: dict[str, Any] = field(default_factory=dict)

    def as_yaml(self) -> dict[str, Any]:
        """The datasource as Digdag reads it, ``${datasource.<key>}`` (spec §2.2 field names)."""
        return {
            "name": self.name,
            "table_name": self.table_name,
            "config_file": self.config_file,
            "incremental_field": self.incremental_field,
            "incremental_field_connector": self.incremental_field_connector,
            "default_start_time": self.default_start_time,
            "workflow_name": self.workflow_name,
            "mode": self.mode,
            **self.extras,
        }


@dataclass(frozen=True)
class SourceModel:
    """One source: its datasources, batches, workflows and the runs EXECUTE starts in order."""

    settings: SourceSettings
    database: str
    incremental: tuple[Datasource, ...]
    historical: tuple[Datasource, ...]
    ranges: tuple[MonthRange, ...]
    runs: tuple[WorkflowRun, ...]

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def family(self) -> Family:
        return self.settings.family

    @property
    def workflows(self) -> tuple[str, ...]:
        """Workflow names (``.dig`` stems) of this source, without duplicates."""
        return tuple(dict.fromkeys(run.workflow for run in self.runs))

    @property
    def load_files(self) -> dict[str, ObjectSettings]:
        """``config/`` load file name → the object it loads."""
        return {_load_file(self.settings, obj): obj for obj in self.settings.objects}

    @property
    def tables(self) -> tuple[str, ...]:
        """``database.table`` names this source's runs create."""
        names = [d.table_name for d in (*self.historical, *self.incremental)]
        return tuple(f"{self.database}.{name}" for name in dict.fromkeys(names))


@dataclass(frozen=True)
class IngestionModel:
    """The whole ``ingestion/`` project."""

    project: str
    client: str
    databases: dict[str, str]
    sources: tuple[SourceModel, ...]
    root: Path

    @property
    def log_table(self) -> str:
        return f"{self.databases['src']}.{LOG_TABLE}"

    @property
    def runs(self) -> tuple[WorkflowRun, ...]:
        return tuple(run for source in self.sources for run in source.runs)

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(t for source in self.sources for t in source.tables)

    @property
    def has_history(self) -> bool:
        return any(source.ranges for source in self.sources)


def build_model(pipeline: Any, today: date | None = None) -> IngestionModel:
    """Resolve the pipeline's ``ingestion:`` section into the project model.

    Args:
        pipeline: a ``cdpo.config.PipelineConfig`` (``client``, ``databases``, ``ingestion``, ``root``).
        today: the generation date; ``incremental_start`` defaults to the first of its month.
    """
    settings: IngestionSettings = pipeline.ingestion
    today = today or datetime.now(UTC).date()
    databases = {
        "src": pipeline.databases.src,
        "stg": pipeline.databases.stg,
        "config": pipeline.databases.config,
        "unification": pipeline.databases.unification,
    }
    root = Path(getattr(pipeline, "root", Path.cwd()))
    sources = tuple(_source(s, databases["src"], today, root) for s in settings.sources)
    return IngestionModel(settings.project, pipeline.client, databases, sources, root)


def _split_date(source: SourceSettings, today: date) -> date:
    return source.incremental_start or date(today.year, today.month, 1)


def _source(source: SourceSettings, src_db: str, today: date, root: Path) -> SourceModel:
    split = _split_date(source, today)
    files = source.family.shape is WorkflowShape.FILES
    hist_objects = [o for o in source.objects if _has_history(source, o)]
    has_hist = source.mode is not IngestMode.INCREMENTAL and bool(hist_objects)
    has_inc = source.mode is not IngestMode.HISTORICAL or (files and not has_hist)
    if has_hist and split <= source.start_date:
        raise ConfigError(
            f"start_date {source.start_date} is not before the incremental start {split} "
            "(default: the first day of this month); set incremental_start after start_date",
            field=f"ingestion.sources.{source.name}.start_date",
        )
    fmt = source.family.time_format
    inc_start = first_bound(
        source.start_date if source.mode is IngestMode.INCREMENTAL else split, fmt
    )
    names = _workflow_names(source)
    inc = (
        tuple(_datasource(source, o, False, inc_start, names["inc"], root) for o in source.objects)
        if has_inc
        else ()
    )
    hist_start = first_bound(source.start_date, fmt)
    hist = (
        tuple(_datasource(source, o, True, hist_start, names["hist"], root) for o in hist_objects)
        if has_hist
        else ()
    )
    ranges = tuple(month_ranges(source.start_date, split, fmt)) if hist and not files else ()
    runs = _runs(source, names, bool(hist), bool(inc))
    return SourceModel(source, source.target_database or src_db, inc, hist, ranges, runs)


def _has_history(source: SourceSettings, obj: ObjectSettings) -> bool:
    """File-export (SFTP) objects have a history only when a separate history file is named."""
    if source.family.shape is WorkflowShape.FILES:
        return obj.history_path is not None
    return not source.is_full_snapshot(obj)


def _workflow_names(source: SourceSettings) -> dict[str, str]:
    if source.family.shape is WorkflowShape.SPLIT:
        return {"inc": f"{source.name}_ingest_inc", "hist": f"{source.name}_ingest_hist"}
    return {"inc": f"{source.name}_ingest", "hist": f"{source.name}_ingest"}


def _runs(
    source: SourceSettings, names: dict[str, str], hist: bool, inc: bool
) -> tuple[WorkflowRun, ...]:
    """History first, then increments (spec §1.4: mode both starts hist then inc)."""
    if source.family.shape is WorkflowShape.FILES:  # one workflow loads history, then increments
        return (WorkflowRun(names["inc"], {}),)
    dual = source.family.shape is WorkflowShape.DUAL
    runs = []
    if hist:
        runs.append(WorkflowRun(names["hist"], {"run_mode": "hist"} if dual else {}))
    if inc:
        runs.append(WorkflowRun(names["inc"], {"run_mode": "inc"} if dual else {}))
    return tuple(runs)


def _load_file(source: SourceSettings, obj: ObjectSettings) -> str:
    return f"{source.name}_{obj.name.lower()}_load.yml"


def _datasource(
    source: SourceSettings,
    obj: ObjectSettings,
    history: bool,
    start: str,
    workflow: str,
    root: Path,
) -> Datasource:
    table = source.table_for(obj) + ("_hist" if history else "")
    field_ = source.history_field_of(obj) if history else source.incremental_field_of(obj)
    return Datasource(
        name=obj.name,
        table_name=table,
        config_file=_load_file(source, obj),
        incremental_field=field_,
        incremental_field_connector=source.connector_field_of(obj, history) if field_ else None,
        default_start_time=start,
        workflow_name=workflow,
        mode=_mode(source, obj, history),
        extras=_extras(source, obj, root, history),
    )


def _mode(source: SourceSettings, obj: ObjectSettings, history: bool) -> str:
    """A history export file is one complete extract: loading it again replaces, never doubles."""
    files_history = history and source.family.shape is WorkflowShape.FILES
    return "replace" if source.is_full_snapshot(obj) or files_history else "append"


def _extras(
    source: SourceSettings, obj: ObjectSettings, root: Path, history: bool
) -> dict[str, Any]:
    """Source-side location fields (spec §2.2: BigQuery dataset, Snowflake database and schema)."""
    options = source.options
    if source.connector is ConnectorType.BIGQUERY:
        return {"dataset": options["dataset"]}
    if source.connector is ConnectorType.SNOWFLAKE:
        return {"database": options["database"], "schema": options["schema"]}
    if source.connector is ConnectorType.FILE:
        path = Path((obj.history_path if history else None) or obj.path or "")
        return {"path": str(path if path.is_absolute() else (root / path).resolve())}
    return {}
