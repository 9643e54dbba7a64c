"""``cdpo plan``: what a pipeline will do, from pipeline.yml alone; no target is touched.

Each phase estimates its own time from its workload (``Phase.plan``); a phase that completed the
same workflows on the same kind of target in the recorded last run is estimated by that run's step
durations instead, which know the data's real size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cdpo.orchestrator.state import PipelineState, Status
from cdpo.phases import Phase, PhaseName, PhasePlan

__all__ = [
    "PhaseAvailability",
    "PipelinePlan",
    "PlannedPhase",
    "phase_availability",
    "plan_pipeline",
]

PHASE_TITLES = {
    PhaseName.INGESTION: "Ingestion",
    PhaseName.HIST_UNION: "Hist-Union",
    PhaseName.STAGING: "Staging",
    PhaseName.UNIFICATION: "Unification",
}


class PhaseAvailability(StrEnum):
    """Whether a phase will run, and if not, why."""

    RUN = "run"
    NOT_CONFIGURED = "not in pipeline.yml"
    DISABLED = "disabled in pipeline.yml"
    UNAVAILABLE = "not available in this version of cdpo"


@dataclass(frozen=True)
class PlannedPhase:
    """A phase in the plan; ``estimate_basis`` says where ``estimated_seconds`` comes from."""

    name: PhaseName
    title: str
    availability: PhaseAvailability
    plan: PhasePlan | None = None
    estimated_seconds: float = 0.0
    estimate_basis: str = ""


@dataclass(frozen=True)
class PipelinePlan:
    client: str
    target: str
    databases: dict[str, str]
    phases: tuple[PlannedPhase, ...]

    @property
    def estimated_seconds(self) -> float:
        return sum(p.estimated_seconds for p in self.phases)


def phase_availability(
    name: PhaseName, pipeline: Any, phases: Sequence[Phase]
) -> tuple[PhaseAvailability, Phase | None]:
    """Whether ``name`` runs for ``pipeline`` given the implemented ``phases``, and its ``Phase``."""
    impl = next((p for p in phases if p.name is name), None)
    section = pipeline.section(name)
    if impl is None:
        configured = section is not None
        return (
            PhaseAvailability.UNAVAILABLE if configured else PhaseAvailability.NOT_CONFIGURED
        ), None
    if impl.enabled(pipeline):
        return PhaseAvailability.RUN, impl
    disabled = section is not None and getattr(section, "enabled", True) is False
    return (PhaseAvailability.DISABLED if disabled else PhaseAvailability.NOT_CONFIGURED), impl


def plan_pipeline(
    pipeline: Any, phases: Sequence[Phase], history: PipelineState | None = None
) -> PipelinePlan:
    """Each phase in order with what it will generate, start and create (``Phase.plan``).

    ``history``: the recorded last run, whose durations replace the workload estimates of the
    phases it completed the same way.

    Raises:
        ConfigError: a phase finds its section inconsistent with the others.
    """
    planned = []
    for name in PhaseName:
        availability, impl = phase_availability(name, pipeline, phases)
        if impl is None or availability is not PhaseAvailability.RUN:
            planned.append(PlannedPhase(name, PHASE_TITLES[name], availability))
            continue
        plan = impl.plan(pipeline)
        seconds, basis = _estimate(pipeline, name, plan, history)
        planned.append(PlannedPhase(name, PHASE_TITLES[name], availability, plan, seconds, basis))
    return PipelinePlan(
        client=pipeline.client,
        target=pipeline.target,
        databases=pipeline.databases.model_dump(),
        phases=tuple(planned),
    )


def _estimate(
    pipeline: Any, name: PhaseName, plan: PhasePlan, history: PipelineState | None
) -> tuple[float, str]:
    """The last run's work time (the sum of its steps, without time spent waiting on the user)
    when it completed the same workflows on the same kind of target; else the phase's estimate."""
    recorded = history.phases.get(name) if history is not None else None
    if (
        history is None
        or recorded is None
        or recorded.status is not Status.COMPLETED
        or history.global_config.get("target") != pipeline.target
        or [w.workflow for w in recorded.workflows] != [r.workflow for r in plan.runs]
    ):
        return plan.estimated_seconds, "workload"
    seconds = sum(step.duration_seconds for step in recorded.steps.values())
    return round(seconds, 1), "last run"
