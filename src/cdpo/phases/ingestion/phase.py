"""``IngestionPhase``: phase 1 as the orchestrator sees it (plan, generate, validate)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from cdpo.phases.base import (
    CheckResult,
    GeneratedProject,
    Phase,
    PhaseContext,
    PhaseName,
    PhasePlan,
)
from cdpo.phases.common import Workload, estimate_seconds
from cdpo.phases.ingestion.checks import check_log, check_tables
from cdpo.phases.ingestion.generate import render_project, write_project
from cdpo.phases.ingestion.model import build_model

__all__ = ["IngestionPhase"]


class IngestionPhase(Phase):
    """Loads every configured source into the src database (spec §2)."""

    name: ClassVar[PhaseName] = PhaseName.INGESTION
    title: ClassVar[str] = "Ingestion"

    def plan(self, pipeline: Any) -> PhasePlan:
        model = build_model(pipeline)
        files = tuple(render_project(model))
        workload = Workload(len(model.runs), loads=_load_waves(model), tables=len(model.tables))
        seconds = estimate_seconds(pipeline, workload)
        return PhasePlan(model.project, model.runs, files, model.tables, seconds)

    def generate(self, context: PhaseContext) -> GeneratedProject:
        model = build_model(context.pipeline)
        directory = context.root / model.project
        files = write_project(model, directory)
        return GeneratedProject(model.project, directory, files, model.runs, model.tables)

    def validate(self, context: PhaseContext, project: GeneratedProject) -> list[CheckResult]:
        log_table = build_model(context.pipeline).log_table
        results = check_tables(context.target, project.tables)
        return results + check_log(context.target, log_table, project.tables)


def _load_waves(model: Any) -> int:
    """Loads that run one after another: a source's datasources load in parallel, its history
    months ``parallel_limit`` at a time (file sources load their history once)."""
    waves = 0
    for source in model.sources:
        if source.historical:
            waves += math.ceil(max(1, len(source.ranges)) / source.family.parallel_limit)
        waves += 1 if source.incremental else 0
    return waves
