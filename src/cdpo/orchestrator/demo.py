"""``cdpo demo``: a fictional retailer's pipeline built from the synthetic data set, run locally.

The data set (``cdpo.samples``) replays four SaaS/warehouse sources; this module writes the
pipeline.yml a CDP engineer would write for them, the local target's replay mapping, and runs the
pipeline. Sections are written only for the phases this version implements, and the run says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from cdpo.phases import PhaseName

__all__ = ["DEMO_CLIENT", "DemoProject", "DemoResult", "run_demo", "set_demo_secrets", "write_demo"]

DEMO_CLIENT = "northwind_retail"
REPLAY_FILE = "replay.yml"
# Data set connector (the td_load type it replays) → pipeline.yml connector family, with the
# settings each family requires (spec §1.2: auth ids, BigQuery project/dataset).
_FAMILIES: dict[str, tuple[str, dict[str, Any]]] = {
    "shopify": ("shopify_v1", {"auth_id": 100001}),
    "klaviyo": ("klaviyo", {"auth_id": 100002}),
    "bigquery_v2": (
        "bigquery",
        {"auth_id": 100003, "options": {"project_id": "northwind-web", "dataset": "analytics"}},
    ),
    "sftp_v2": ("sftp", {}),
}


@dataclass(frozen=True)
class DemoProject:
    """What ``write_demo`` wrote: the pipeline file, the data set, and the phases it covers."""

    root: Path
    pipeline: Path
    dataset: Any
    phases: tuple[PhaseName, ...]
    unavailable: tuple[PhaseName, ...]


def write_demo(
    directory: Path,
    *,
    size: str = "small",
    people: int | None = None,
    implemented: Sequence[PhaseName] = (),
) -> DemoProject:
    """Generate the data set under ``directory/data`` and write ``directory/pipeline.yml``.

    Raises:
        ConfigError: an unknown size (from ``generate_dataset``).
    """
    from cdpo.samples import generate_dataset

    root = Path(directory).resolve()
    dataset = generate_dataset(root / "data", size=size, people=people)
    src = f"{DEMO_CLIENT}_src"
    mapping = dataset.replay_mapping(database=src)
    (dataset.root / REPLAY_FILE).write_text(
        yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8"
    )
    document = _pipeline_document(dataset, implemented)
    header = (
        f"# Demo pipeline for the fictional retailer {DEMO_CLIENT}, written by `cdpo demo`.\n"
        "# Sources are replayed from data/ by the local target (data/replay.yml).\n"
    )
    path = root / "pipeline.yml"
    path.write_text(header + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (root / ".gitignore").write_text(
        "pipeline_state.json\npipeline_logs/\n.cdpo/\n", encoding="utf-8"
    )
    sections = tuple(p for p in PhaseName if p.value in document)
    return DemoProject(
        root, path, dataset, sections, tuple(p for p in PhaseName if p not in sections)
    )


def _pipeline_document(dataset: Any, implemented: Sequence[PhaseName]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "client": DEMO_CLIENT,
        "target": "local",
        "local": {"replay": f"data/{REPLAY_FILE}"},
        "orchestration": {  # a local poll is one SQLite read: follow attempts closely
            "poll_initial_seconds": 0.1,
            "poll_max_seconds": 0.5,
            "on_warning": "proceed",
        },
    }
    sections = {
        PhaseName.INGESTION: lambda: {"sources": _sources(dataset)},
        PhaseName.HIST_UNION: lambda: {"tables": "all"},
        PhaseName.STAGING: lambda: {"engine": "presto"},
        PhaseName.UNIFICATION: lambda: {
            "name": "customer_360",
            "id_method": "canonical_id",
            # The data set's true identities: VALIDATE scores the merges (precision, recall).
            "truth_file": f"data/{dataset.truth_path}",
            # CRM's `phone` is the household landline, shared by family members: merging on it
            # joins different people (precision 0.92 instead of 0.997); its `mobile` stays a key.
            "key_columns": {"crm_customers": {"phone_std": None}},
        },
    }
    for phase in PhaseName:
        if phase in implemented:
            document[phase.value] = sections[phase]()
    return document


def _sources(dataset: Any) -> list[dict[str, Any]]:
    start, split = _history_window(dataset)
    sources: dict[str, dict[str, Any]] = {}
    for extract in dataset.extracts:
        connector, extras = _FAMILIES[extract.connector]
        source = sources.setdefault(
            extract.source,
            {
                "name": extract.source,
                "connector": connector,
                "mode": "both",
                "start_date": start.isoformat(),
                "incremental_start": split.isoformat(),
                **extras,
                "objects": [],
            },
        )
        obj: dict[str, Any] = {"name": extract.object, "table": extract.table}
        if connector == "sftp":  # the history export once into {table}_hist, then increments
            obj["path"] = extract.inc_path
            obj["history_path"] = extract.hist_path
            columns = [{"name": n, "type": "string"} for n, _ in extract.columns]
            source.setdefault("options", {}).setdefault("columns", {})[extract.object] = columns
        else:
            obj["incremental_field"] = extract.incremental_field
        source["objects"].append(obj)
    return list(sources.values())


def _history_window(dataset: Any) -> tuple[date, date]:
    """First day of history and the incremental start: the month bounds around the hist files."""
    import duckdb

    lows, highs = [], []
    connection = duckdb.connect()
    for e in dataset.extracts:
        path = str(dataset.path(e.hist_path))
        column = f'TRY_CAST("{e.incremental_field}" AS TIMESTAMP)'
        low, high = connection.execute(
            f"SELECT MIN({column}), MAX({column}) FROM '{path}'"
        ).fetchone()  # type: ignore[misc]
        lows.append(low)
        highs.append(high)
    low, high = min(d for d in lows if d), max(d for d in highs if d)
    start = date(low.year, low.month, 1)
    split = date(high.year + high.month // 12, high.month % 12 + 1, 1)
    return start, split


@dataclass(frozen=True)
class DemoResult:
    project: DemoProject
    result: Any
    report: Path | None


def run_demo(
    directory: Path,
    *,
    size: str = "small",
    people: int | None = None,
    yes: bool = True,
    prompt: Any = None,
    listeners: Sequence[Any] = (),
    on_ready: Any = None,
) -> DemoResult:
    """Write the demo (``write_demo``) and run it on the local target, with its report.

    ``on_ready(project)`` is called before the run, so a caller can say which phases are available.
    """
    import cdpo.phases
    from cdpo.config import load_pipeline
    from cdpo.orchestrator.api import execute_and_report
    from cdpo.targets.local.standby import start_early

    start_early()  # the first attempt's worker warms up while the data is written
    implemented = [phase.name for phase in cdpo.phases.PHASES]
    project = write_demo(directory, size=size, people=people, implemented=implemented)
    if on_ready is not None:
        on_ready(project)
    set_demo_secrets(load_pipeline(project.pipeline))
    result, report = execute_and_report(project.root, prompt=prompt, listeners=listeners, yes=yes)
    return DemoResult(project, result, report)


def set_demo_secrets(pipeline: Any) -> None:
    """Placeholder values for the connector secrets the generated loads reference.

    The local target replays connectors from files and never uses them, but resolves every
    ``${secret:…}`` from ``CDPO_SECRET_<NAME>`` (targets/local/runner.py); real values are never
    needed, nor written anywhere.
    """
    import os

    from cdpo.targets.local.runner import secret_variable

    for source in pipeline.ingestion.sources if pipeline.ingestion else ():
        for role in source.family.secrets:
            os.environ.setdefault(secret_variable(source.secret_name(role)), "replayed-locally")
    if "TD_API_KEY" not in os.environ:
        # The unification API is served in-process locally; it needs a header, not a real key.
        os.environ.setdefault(secret_variable("td.apikey"), "local-unification")
