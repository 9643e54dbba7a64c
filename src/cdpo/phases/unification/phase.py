"""``UnificationPhase``: phase 4 as the orchestrator sees it (plan, generate, validate)."""

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
from cdpo.phases.unification.model import unified_inputs

__all__ = ["UnificationPhase"]


class UnificationPhase(Phase):
    """Unifies the staged tables' identifiers into one id per person (spec §2–§5)."""

    name: ClassVar[PhaseName] = PhaseName.UNIFICATION
    title: ClassVar[str] = "ID unification"

    def plan(self, pipeline: Any) -> PhasePlan:
        from cdpo.phases.unification.generate import RUNNER, WORKFLOWS

        settings = pipeline.unification
        inputs = unified_inputs(pipeline)
        output = settings.target_database or pipeline.databases.unification
        prep = settings.lookup_database or pipeline.databases.config
        files = (*(f"{w}.dig" for w in WORKFLOWS), "config/unify.yml")
        masters = settings.master_tables
        names = [f"{settings.name}_master"] if masters is None else [m.name for m in masters]
        tables = (
            *(f"{prep}.{t}_prep" for _, t in inputs),
            f"{output}.{settings.name}_lookup",
            *(f"{output}.enriched_{t}" for _, t in inputs),
            *(f"{output}.{name}" for name in names),
        )
        # Per input: a prep and an enrich query; about ten for the unification itself.
        work = Workload(inputs=len(inputs), queries=2 * len(inputs) + 10, tables=len(tables))
        seconds = estimate_seconds(pipeline, work)
        return PhasePlan(settings.project, (WorkflowRun(RUNNER),), files, tables, seconds)

    def inputs(self, pipeline: Any) -> tuple[str, ...]:
        return tuple(f"{db}.{t}" for db, t in unified_inputs(pipeline))

    def generate(self, context: PhaseContext) -> GeneratedProject:
        from cdpo.phases.unification.generate import RUNNER, write_project
        from cdpo.phases.unification.model import build_unification_model

        model = build_unification_model(context.pipeline, context.target)
        directory = context.root / model.project
        files = write_project(model, directory)
        return GeneratedProject(
            model.project, directory, files, (WorkflowRun(RUNNER),), model.targets
        )

    def validate(self, context: PhaseContext, project: GeneratedProject) -> list[CheckResult]:
        from cdpo.phases.unification.checks import check_unification

        return check_unification(context, project.directory)
