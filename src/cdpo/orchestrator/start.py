"""How a run starts: which phases it runs, and the user's go-ahead, before anything is written.

On restart each completed phase is kept or re-run (D14, spec §1.9); then the pre-flight findings
and the plan (phases, workflows, estimate) are shown and "Ready to proceed?" is asked (D1, spec
§1.2). Nothing here writes the state file: the answers are recorded once the run starts, so a "no"
leaves the pipeline exactly as it was. Unattended deciders answer both without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdpo.orchestrator.decisions import Choice, Decision, Situation
from cdpo.orchestrator.plan import (
    PhaseAvailability,
    PlannedPhase,
    phase_availability,
    plan_pipeline,
)
from cdpo.orchestrator.preflight import Finding, Severity, missing_databases, warnings_of
from cdpo.orchestrator.state import PhaseState, PipelineState, RunStatus, Status
from cdpo.phases import PhaseName

if TYPE_CHECKING:
    from cdpo.orchestrator.runner import Orchestrator, RunOptions

__all__ = [
    "PhasePreview",
    "RunSummary",
    "Start",
    "confirm_start",
    "is_fresh",
    "select_phases",
]


@dataclass(frozen=True)
class PhasePreview:
    """One phase as this run will treat it: ``action`` says what happens to it, in words."""

    name: PhaseName
    title: str
    action: str
    runs: bool
    workflows: tuple[str, ...] = ()
    estimated_seconds: float = 0.0
    estimate_basis: str = ""


@dataclass(frozen=True)
class RunSummary:
    """What the user confirms before a run (D1): the pre-flight findings and what will run."""

    client: str
    target: str
    pipeline_id: str | None
    findings: tuple[Finding, ...]
    phases: tuple[PhasePreview, ...]

    @property
    def estimated_seconds(self) -> float:
        return sum(p.estimated_seconds for p in self.phases if p.runs)

    @property
    def warnings(self) -> tuple[str, ...]:
        return warnings_of(self.findings)

    @property
    def databases_to_create(self) -> tuple[str, ...]:
        return tuple(missing_databases(self.findings))


@dataclass(frozen=True)
class Start:
    """The answers taken before a run: whether it goes ahead, the phases re-run by choice, and
    every (decision, choice) pair to record once the state may be written."""

    proceed: bool
    reruns: frozenset[PhaseName]
    answers: tuple[tuple[Decision, Choice], ...]
    reason: str = ""


def is_fresh(
    previous: PipelineState | None, options: RunOptions, reruns: frozenset[PhaseName]
) -> bool:
    """Whether the run starts a new pipeline: none ran yet, or the last one completed and every
    phase it completed is re-run (without ``--from``/``--only``, which continue the pipeline)."""
    if previous is None:
        return True
    if previous.status is not RunStatus.COMPLETED or options.from_phase or options.only:
        return False
    completed = {n for n, p in previous.phases.items() if p.status is Status.COMPLETED}
    return completed <= reruns


def select_phases(state: PipelineState, options: RunOptions, reruns: frozenset[PhaseName]) -> None:
    """Reset the phases this run re-runs (D14 choices, ``--from``, ``--only``) and those skipped
    because pipeline.yml did not ask for them; ``retry`` takes up phases skipped after a failure
    from their failed step (dbt's retry)."""
    order = list(PhaseName)
    for name in order:
        phase_state = state.phase(name)
        from_here = options.from_phase and order.index(name) >= order.index(options.from_phase)
        only = options.only is name and phase_state.status.finished
        unasked = phase_state.status is Status.SKIPPED and not phase_state.error
        if name in reruns or from_here or only or unasked:
            phase_state.reset()
        elif options.retry and phase_state.status is Status.SKIPPED:
            phase_state.status = Status.FAILED


def confirm_start(
    orchestrator: Orchestrator,
    previous: PipelineState | None,
    findings: Sequence[Finding],
    options: RunOptions,
) -> Start:
    """Ask D14 for each completed phase, then D1 over the summary; nothing is written.

    A CRITICAL finding skips both questions: the run starts only to record why it stops.
    """
    if any(f.severity is Severity.CRITICAL for f in findings):
        return Start(True, frozenset(), ())
    answers = list(_ask_completed(orchestrator, previous, options))
    reruns = frozenset(PhaseName(d.phase) for d, c in answers if c is Choice.RERUN)
    summary = _summarize(orchestrator, previous, findings, options, reruns)
    running = [p.name.value for p in summary.phases if p.runs]
    decision = Decision(
        Situation.READY_TO_PROCEED,
        "preflight",
        "confirm",
        f"run {', '.join(running) or 'nothing'} on the {summary.target} target?",
        warnings=summary.warnings,
        context=summary,
    )
    choice = orchestrator.ask(decision)
    answers.append((decision, choice))
    if choice is Choice.PROCEED:
        return Start(True, reruns, tuple(answers))
    warned = f"; pre-flight warned: {'; '.join(summary.warnings)}" if summary.warnings else ""
    reason = f"not confirmed by {orchestrator.decider.name}{warned}"
    return Start(False, reruns, tuple(answers), reason)


def _ask_completed(
    orchestrator: Orchestrator, previous: PipelineState | None, options: RunOptions
) -> Iterator[tuple[Decision, Choice]]:
    """D14: keep or re-run each completed phase. The default is what an unattended run does:
    keep (resume from the first unfinished step), or re-run once the whole pipeline completed."""
    if previous is None or options.from_phase or options.only or options.retry:
        return
    default = Choice.RERUN if previous.status is RunStatus.COMPLETED else Choice.KEEP
    for name in PhaseName:
        recorded = previous.phases.get(name)
        available, _ = phase_availability(name, orchestrator.pipeline, orchestrator.phases)
        if recorded is None or recorded.status is not Status.COMPLETED:
            continue
        if available is not PhaseAvailability.RUN:
            continue
        decision = Decision(
            Situation.RESUME_COMPLETED,
            name.value,
            "resume",
            _completed(recorded, previous.pipeline_id),
            default=default,
        )
        yield decision, orchestrator.ask(decision)


def _completed(phase: PhaseState, pipeline_id: str) -> str:
    when = (phase.finished_at or "")[:19].replace("T", " ")
    return (
        f"phase {phase.name.value} completed in pipeline {pipeline_id} at {when} UTC "
        f"({phase.duration_seconds:.0f} s, {phase.tables_created} tables, {phase.rows} rows): "
        "keep it, or re-run it?"
    )


def _summarize(
    orchestrator: Orchestrator,
    previous: PipelineState | None,
    findings: Sequence[Finding],
    options: RunOptions,
    reruns: frozenset[PhaseName],
) -> RunSummary:
    """The run as it will go, worked out on a copy of the recorded state (never saved)."""
    pipeline = orchestrator.pipeline
    plan = plan_pipeline(pipeline, orchestrator.phases, history=previous)
    fresh = is_fresh(previous, options, reruns)
    preview = None if fresh or previous is None else previous.model_copy(deep=True)
    if preview is not None:
        select_phases(preview, options, reruns)
    phases = tuple(
        _preview(planned, preview.phase(planned.name) if preview else None, options, reruns)
        for planned in plan.phases
    )
    resumed = None if preview is None else preview.pipeline_id
    return RunSummary(pipeline.client, pipeline.target, resumed, tuple(findings), phases)


def _preview(
    planned: PlannedPhase,
    recorded: PhaseState | None,
    options: RunOptions,
    reruns: frozenset[PhaseName],
) -> PhasePreview:
    name, title = planned.name, planned.title
    if planned.availability is not PhaseAvailability.RUN or planned.plan is None:
        return PhasePreview(name, title, planned.availability.value, runs=False)
    if options.only is not None and options.only is not name:
        return PhasePreview(name, title, "not selected (--only)", runs=False)
    if recorded is not None and recorded.status.finished:
        kept = "kept (completed)" if recorded.status is Status.COMPLETED else "kept (skipped)"
        return PhasePreview(name, title, kept, runs=False)
    if recorded is not None and recorded.first_unfinished() not in (None, "generate"):
        action = f"resume from {recorded.first_unfinished()}"
    else:
        action = "re-run" if name in reruns else "run"
    workflows = tuple(r.workflow for r in planned.plan.runs)
    return PhasePreview(
        name, title, action, True, workflows, planned.estimated_seconds, planned.estimate_basis
    )
