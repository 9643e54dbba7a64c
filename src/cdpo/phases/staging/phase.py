"""``StagingPhase``: phase 3 as the orchestrator sees it (plan, generate, validate)."""

from __future__ import annotations

from typing import Any, ClassVar

from cdpo.phases.base import (
    CheckResult,
    GeneratedProject,
    Phase,
    PhaseContext,
    PhaseName,
    PhasePlan,
    WorkflowRun,
)
from cdpo.phases.common import Workload, estimate_seconds
from cdpo.phases.staging.model import build_staging_model

__all__ = ["StagingPhase"]


class StagingPhase(Phase):
    """Cleans, joins and deduplicates each hist-union table into the staging database (spec §1)."""

    name: ClassVar[PhaseName] = PhaseName.STAGING
    title: ClassVar[str] = "Staging"

    def plan(self, pipeline: Any) -> PhasePlan:
        from cdpo.phases.staging.generate import workflow_name

        model = build_staging_model(pipeline)
        workflow = workflow_name(model)
        files = (f"{workflow}.dig", "config/src_params.yml")
        # Per table: read the window, load (initial or incremental), record the watermark.
        n = len(model.tables)
        seconds = estimate_seconds(pipeline, Workload(inputs=n, queries=3 * n + 1, tables=n))
        return PhasePlan(model.project, (WorkflowRun(workflow),), files, model.targets, seconds)

    def inputs(self, pipeline: Any) -> tuple[str, ...]:
        return build_staging_model(pipeline).inputs

    def generate(self, context: PhaseContext) -> GeneratedProject:
        from cdpo.phases.staging.generate import workflow_name, write_project

        model = build_staging_model(context.pipeline)
        directory = context.root / model.project
        files = write_project(model, context.target, directory)
        runs = (WorkflowRun(workflow_name(model)),)
        return GeneratedProject(model.project, directory, files, runs, model.targets)

    def validate(self, context: PhaseContext, project: GeneratedProject) -> list[CheckResult]:
        from cdpo.phases.staging.checks import check_staging

        model = build_staging_model(context.pipeline)
        return check_staging(context.target, model, project.directory)
