"""``IngestionPhase``: phase 1 as the orchestrator sees it (plan, generate, validate)."""

from __future__ import annotations

from typing import Any, ClassVar

from cdpo.phases.base import (
    CheckResult,
    GeneratedProject,
    Phase,
    PhaseContext,
    PhaseName,
    PhasePlan,
)
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
        return PhasePlan(model.project, model.runs, files, model.tables)

    def generate(self, context: PhaseContext) -> GeneratedProject:
        model = build_model(context.pipeline)
        directory = context.root / model.project
        files = write_project(model, directory)
        return GeneratedProject(model.project, directory, files, model.runs, model.tables)

    def validate(self, context: PhaseContext, project: GeneratedProject) -> list[CheckResult]:
        log_table = build_model(context.pipeline).log_table
        results = check_tables(context.target, project.tables)
        return results + check_log(context.target, log_table, project.tables)
