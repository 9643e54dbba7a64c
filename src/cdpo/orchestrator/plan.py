"""``cdpo plan``: what a pipeline will do, from pipeline.yml alone; no target is touched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
    name: PhaseName
    title: str
    availability: PhaseAvailability
    plan: PhasePlan | None = None


@dataclass(frozen=True)
class PipelinePlan:
    client: str
    target: str
    databases: dict[str, str]
    phases: tuple[PlannedPhase, ...]

    @property
    def estimated_seconds(self) -> float:
        return sum(p.plan.estimated_seconds for p in self.phases if p.plan is not None)


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


def plan_pipeline(pipeline: Any, phases: Sequence[Phase]) -> PipelinePlan:
    """Each phase in order with what it will generate, start and create (``Phase.plan``).

    Raises:
        ConfigError: a phase finds its section inconsistent with the others.
    """
    planned = []
    for name in PhaseName:
        availability, impl = phase_availability(name, pipeline, phases)
        plan = (
            impl.plan(pipeline)
            if impl is not None and availability is PhaseAvailability.RUN
            else None
        )
        planned.append(PlannedPhase(name, PHASE_TITLES[name], availability, plan))
    return PipelinePlan(
        client=pipeline.client,
        target=pipeline.target,
        databases=pipeline.databases.model_dump(),
        phases=tuple(planned),
    )
