"""The phase × step orchestrator: state, decisions, progress events, logs, plan, doctor and report."""

from __future__ import annotations

from cdpo.orchestrator.api import (
    doctor_from_file,
    execute_and_report,
    pipeline_status,
    plan_from_file,
    policy_for,
    report_from_file,
    run_options,
    run_pipeline,
)
from cdpo.orchestrator.decisions import OPTIONS, Choice, Decider, Decision, PolicyDecider, Situation
from cdpo.orchestrator.demo import DemoProject, DemoResult, run_demo, write_demo
from cdpo.orchestrator.events import Event, EventKind, Listener
from cdpo.orchestrator.plan import PhaseAvailability, PipelinePlan, PlannedPhase, plan_pipeline
from cdpo.orchestrator.preflight import Finding, Severity, doctor
from cdpo.orchestrator.runner import Orchestrator, RunOptions, RunResult
from cdpo.orchestrator.state import (
    SCHEMA_VERSION,
    STATE_FILE,
    PhaseState,
    PipelineState,
    RunStatus,
    Status,
    StepName,
    load_state,
)

__all__ = [
    "OPTIONS",
    "SCHEMA_VERSION",
    "STATE_FILE",
    "Choice",
    "Decider",
    "Decision",
    "DemoProject",
    "DemoResult",
    "Event",
    "EventKind",
    "Finding",
    "Listener",
    "Orchestrator",
    "PhaseAvailability",
    "PhaseState",
    "PipelinePlan",
    "PipelineState",
    "PlannedPhase",
    "PolicyDecider",
    "RunOptions",
    "RunResult",
    "RunStatus",
    "Severity",
    "Situation",
    "Status",
    "StepName",
    "doctor",
    "doctor_from_file",
    "execute_and_report",
    "load_state",
    "pipeline_status",
    "plan_from_file",
    "plan_pipeline",
    "policy_for",
    "report_from_file",
    "run_demo",
    "run_options",
    "run_pipeline",
    "write_demo",
]
