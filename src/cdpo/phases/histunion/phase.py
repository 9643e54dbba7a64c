"""``HistUnionPhase``: phase 2 as the orchestrator sees it (plan, generate, validate)."""

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
from cdpo.phases.histunion.checks import check_union
from cdpo.phases.histunion.generate import write_project
from cdpo.phases.histunion.model import build_union_model

__all__ = ["HistUnionPhase"]


class HistUnionPhase(Phase):
    """Combines each history table with its incremental table (spec §3)."""

    name: ClassVar[PhaseName] = PhaseName.HIST_UNION
    title: ClassVar[str] = "Hist-union"

    def plan(self, pipeline: Any) -> PhasePlan:
        model = build_union_model(pipeline)
        # Per table: read the bounds, union, record the watermark (spec §3.4-3.5).
        n = len(model.tables)
        workload = Workload(inputs=len(model.inputs), queries=3 * n + 1, tables=n)
        runs = (WorkflowRun(model.workflow),)
        seconds = estimate_seconds(pipeline, workload)
        return PhasePlan(model.project, runs, model.files, model.targets, seconds)

    def inputs(self, pipeline: Any) -> tuple[str, ...]:
        return build_union_model(pipeline).inputs

    def generate(self, context: PhaseContext) -> GeneratedProject:
        model = build_union_model(context.pipeline)
        directory = context.root / model.project
        files = write_project(model, context.target, directory)
        runs = (WorkflowRun(model.workflow),)
        return GeneratedProject(model.project, directory, files, runs, model.targets)

    def validate(self, context: PhaseContext, project: GeneratedProject) -> list[CheckResult]:
        model = build_union_model(context.pipeline)
        return [r for table in model.tables for r in check_union(context.target, model, table)]
