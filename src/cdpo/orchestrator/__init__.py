"""The phase × step orchestrator: state, decisions, progress events, logs, plan, doctor and report."""

from __future__ import annotations

from cdpo.orchestrator.api import plan_from_file
from cdpo.orchestrator.plan import PhaseAvailability, PipelinePlan, PlannedPhase, plan_pipeline

__all__ = [
    "PhaseAvailability",
    "PipelinePlan",
    "PlannedPhase",
    "plan_from_file",
    "plan_pipeline",
]
