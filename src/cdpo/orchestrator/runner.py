"""The phase × step state machine: GENERATE → DEPLOY → EXECUTE → MONITOR → VALIDATE per phase.

Phases run strictly in order; a failed step asks its ``Decider`` (retry, fix, logs, skip, abort)
and the next phase never starts after a failure unless the choice was skip, which is recorded and
warned about. Every event is logged and saved to ``pipeline_state.json`` before the run goes on, so a
run stopped at any point resumes from the first unfinished step (as dlt's ``run`` first finishes
what a crash left pending).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cdpo.errors import CdpoError, PhaseStepFailed, StateError
from cdpo.orchestrator.decisions import Choice, Decider, Decision, Situation
from cdpo.orchestrator.events import Event, EventKind, Listener
from cdpo.orchestrator.lock import pipeline_lock
from cdpo.orchestrator.plan import PhaseAvailability, phase_availability
from cdpo.orchestrator.preflight import Finding, doctor, run_preflight
from cdpo.orchestrator.start import Start, confirm_start, is_fresh, select_phases
from cdpo.orchestrator.state import (
    STEPS,
    DecisionRecord,
    PhaseState,
    PipelineState,
    RunStatus,
    Status,
    StepName,
    load_state,
    now_iso,
    save_state,
)
from cdpo.orchestrator.steps import StepContext, StepResult, run_step, seconds_since
from cdpo.phases import Phase, PhaseContext, PhaseName
from cdpo.targets import AttemptStatus, Target

__all__ = ["Orchestrator", "RunOptions", "RunResult"]

# Where each choice sends a failed step back to (spec §1.7b): MONITOR's retry starts a new attempt.
_RETRY_FROM = {
    StepName.GENERATE: StepName.GENERATE,
    StepName.DEPLOY: StepName.DEPLOY,
    StepName.EXECUTE: StepName.EXECUTE,
    StepName.MONITOR: StepName.EXECUTE,
    StepName.VALIDATE: StepName.GENERATE,
}


class _Outcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    ABORTED = "aborted"


@dataclass(frozen=True)
class RunOptions:
    """What to run: resume (default), ``from_phase`` on, ``only`` one phase, or ``retry`` a failure."""

    from_phase: PhaseName | None = None
    only: PhaseName | None = None
    retry: bool = False


@dataclass(frozen=True)
class RunResult:
    """The state after a run, and the error that stopped it, if any.

    ``started`` is False when the run was not confirmed (D1): ``state`` is then the recorded state
    (or a new one, never saved), untouched, and ``reason`` says who declined and why.
    """

    state: PipelineState
    root: Path
    error: CdpoError | None = None
    started: bool = True
    reason: str = ""

    @property
    def failed(self) -> bool:
        """True when a step failed, whether the run aborted or the phase was skipped."""
        return self.state.status is not RunStatus.COMPLETED or any(
            p.status is Status.SKIPPED and p.error for p in self.state.phases.values()
        )


class Orchestrator:
    """Drives the phases of one pipeline on one target. Not reentrant: one ``run`` at a time."""

    def __init__(
        self,
        pipeline: Any,
        target: Target,
        phases: Sequence[Phase],
        *,
        decider: Decider,
        listeners: Sequence[Listener] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.pipeline = pipeline
        self.root = Path(pipeline.root)
        self.target = target
        self.phases = tuple(phases)
        self.decider = decider
        self.listeners = list(listeners)
        self.sleep = sleep
        self.state: PipelineState | None = None

    def run(self, options: RunOptions | None = None) -> RunResult:
        """Run (or resume) the pipeline; never raises for a failed step, returns it in the result.

        Before anything is written, completed phases are kept or re-run (D14) and the pre-flight
        summary is confirmed (D1); a run not confirmed returns ``started=False``, state untouched.

        Raises:
            StateError: another run holds the lock, or the state file is unusable.
        """
        options = options or RunOptions()
        with pipeline_lock(self.root):
            self.target.prepare_attempts()
            previous = self._previous(options)
            findings = doctor(self.pipeline, self.target, self.phases)
            start = confirm_start(self, previous, findings, options)
            if not start.proceed:
                data = {"status": "not_started", "reason": start.reason}
                self.emit(EventKind.RUN_FINISHED, f"nothing ran: {start.reason}", data=data)
                unchanged = previous or self._new_state()
                return RunResult(unchanged, self.root, started=False, reason=start.reason)
            state = self._prepare(previous, options, start)
            try:
                error = self._run_phases(options, findings)
            except BaseException as interrupted:
                # Ctrl-C or a bug: record it, keep the unfinished step resumable, re-raise.
                self._finish(CdpoError(f"interrupted: {interrupted!r}"))
                raise
            self._finish(error)
            return RunResult(state, self.root, error)

    # -- preparation ---------------------------------------------------------------------------

    def _previous(self, options: RunOptions) -> PipelineState | None:
        """The recorded state, checked to belong to this pipeline (read only)."""
        state = load_state(self.root)
        if state is not None and state.global_config.get("client") != self.pipeline.client:
            raise StateError(
                f"{self.root / 'pipeline_state.json'} belongs to client "
                f"{state.global_config.get('client')!r}, not {self.pipeline.client!r}",
                hint="Move the state file away to start a new pipeline here.",
            )
        if options.retry and (state is None or state.status is RunStatus.COMPLETED):
            raise StateError("nothing to retry: no step has failed", hint="Run `cdpo run`.")
        return state

    def _new_state(self) -> PipelineState:
        return PipelineState.new(self._global_config(), _config_hash(self.root))

    def _prepare(
        self, previous: PipelineState | None, options: RunOptions, start: Start
    ) -> PipelineState:
        fresh = is_fresh(previous, options, start.reruns)
        state = self._new_state() if fresh or previous is None else previous
        self.state = state
        select_phases(state, options, start.reruns)
        state.status, state.finished_at, state.error = RunStatus.RUNNING, None, None
        self.emit(
            EventKind.RUN_STARTED, f"pipeline {state.pipeline_id} ({'new' if fresh else 'resumed'})"
        )
        for decision, choice in start.answers:
            self.record(decision, choice)
        config_hash = _config_hash(self.root)
        if state.config_sha256 != config_hash:
            self.emit(
                EventKind.RUN_STARTED,
                "pipeline.yml changed since the last run; finished phases are kept (use --from to re-run)",
            )
            state.config_sha256 = config_hash
        return state

    def _global_config(self) -> dict[str, str]:
        pipeline = self.pipeline
        endpoint = pipeline.td.hosts.api if pipeline.target == "td" else "local"
        databases = {f"database_{k}": v for k, v in pipeline.databases.model_dump().items()}
        return {
            "client": pipeline.client,
            "target": pipeline.target,
            "td_endpoint": endpoint,
            **databases,
        }

    def _selected(self, name: PhaseName, options: RunOptions) -> bool:
        return options.only is None or options.only is name

    # -- the run -------------------------------------------------------------------------------

    def _run_phases(self, options: RunOptions, findings: Sequence[Finding]) -> CdpoError | None:
        error = run_preflight(self, findings)
        if error is not None:
            return error
        for name in PhaseName:
            if not self._selected(name, options):
                continue
            availability, phase = phase_availability(name, self.pipeline, self.phases)
            phase_state = self.state.phase(name)  # type: ignore[union-attr]
            if availability is not PhaseAvailability.RUN or phase is None:
                self._mark_unavailable(phase_state, availability)
                continue
            outcome, error = self._run_phase(phase, phase_state)
            if outcome is _Outcome.ABORTED:
                return error
        return None

    def _mark_unavailable(self, phase_state: PhaseState, availability: PhaseAvailability) -> None:
        if phase_state.status.finished:
            return
        phase_state.status, phase_state.skip_reason = Status.SKIPPED, availability.value
        self.emit(
            EventKind.PHASE_FINISHED, f"skipped: {availability.value}", phase=phase_state.name
        )

    def _run_phase(self, phase: Phase, ps: PhaseState) -> tuple[_Outcome, CdpoError | None]:
        if ps.status.finished:
            return _Outcome.DONE, None
        ps.status, ps.error = Status.IN_PROGRESS, None
        ps.started_at = ps.started_at or now_iso()
        self.emit(
            EventKind.PHASE_STARTED,
            f"phase {phase.name.value} from {ps.first_unfinished()}",
            phase=phase.name,
        )
        ctx = self._step_context(phase, ps)
        step = ps.first_unfinished()
        while step is not None:
            current = step
            try:
                step = self._step(ctx, current)
            except PhaseStepFailed as failure:
                choice = self._on_failure(ctx, current, failure)
                if choice in (Choice.SKIP, Choice.ABORT, Choice.STOP):
                    return self._end_phase(ps, failure, skipped=choice is Choice.SKIP)
                if choice is Choice.FIX:
                    self._reload(ctx)
                step = self._resume_point(ctx, current, choice)
        ps.status, ps.finished_at = Status.COMPLETED, now_iso()
        ps.duration_seconds = seconds_since(ps.started_at)
        self.emit(
            EventKind.PHASE_FINISHED, f"completed in {ps.duration_seconds:.1f} s", phase=phase.name
        )
        return _Outcome.DONE, None

    def _step_context(self, phase: Phase, ps: PhaseState) -> StepContext:
        context = PhaseContext(pipeline=self.pipeline, target=self.target, root=self.root)

        def emit(
            kind: EventKind, message: str, step: StepName | None = None, data: Any = None
        ) -> None:
            self.emit(kind, message, phase=phase.name, step=step, data=data or {})

        return StepContext(phase, ps, context, self.pipeline.orchestration, emit, self.sleep)

    def _step(self, ctx: StepContext, step: StepName) -> StepName | None:
        """Run ``step``; return the step that comes next (None when the phase is done)."""
        record = ctx.state.steps[step]
        record.status, record.started_at, record.error = Status.IN_PROGRESS, now_iso(), None
        record.attempts += 1
        self.emit(
            EventKind.STEP_STARTED,
            f"{step.value} (attempt {record.attempts})",
            phase=ctx.phase.name,
            step=step,
        )
        started = time.monotonic()
        result = run_step(ctx, step)
        record.status, record.finished_at, record.detail = (
            Status.COMPLETED,
            now_iso(),
            result.asstr(),
        )
        record.duration_seconds = round(record.duration_seconds + time.monotonic() - started, 3)
        self.emit(
            EventKind.STEP_FINISHED,
            result.asstr(),
            phase=ctx.phase.name,
            step=step,
        )
        if step is StepName.VALIDATE and result.warnings:
            self._confirm_warnings(ctx, result)
        return self._next_step(ctx.state, step)

    def _next_step(self, ps: PhaseState, step: StepName) -> StepName | None:
        if step is StepName.MONITOR and any(
            w.status != AttemptStatus.SUCCESS for w in ps.workflows
        ):
            # mode both: the next workflow goes through EXECUTE → MONITOR too (spec §1.6).
            for again in (StepName.EXECUTE, StepName.MONITOR):
                ps.steps[again].status = Status.PENDING
            return StepName.EXECUTE
        index = STEPS.index(step) + 1
        return STEPS[index] if index < len(STEPS) else None

    def _confirm_warnings(self, ctx: StepContext, result: StepResult) -> None:
        message = "validation warnings: " + "; ".join(result.warnings)
        choice = self._decide(ctx, StepName.VALIDATE, Situation.VALIDATION_WARNINGS, message)
        if choice is not Choice.PROCEED:
            ctx.state.steps[StepName.VALIDATE].status = Status.FAILED
            from cdpo.orchestrator.steps import fail

            raise fail(ctx, StepName.VALIDATE, message + " (stopped)", None)

    # -- failures and decisions -----------------------------------------------------------------

    def _on_failure(self, ctx: StepContext, step: StepName, failure: PhaseStepFailed) -> Choice:
        record = ctx.state.steps[step]
        record.status, record.finished_at, record.error = (
            Status.FAILED,
            now_iso(),
            str(failure.cause),
        )
        self.emit(EventKind.STEP_FAILED, failure.message, phase=ctx.phase.name, step=step)
        situation = getattr(failure, "situation", None)
        if situation is None:
            return Choice.STOP
        while True:
            choice = self._decide(ctx, step, situation, failure.message)
            if choice is not Choice.LOGS:
                break
            self._show_logs(ctx)
        if choice in (Choice.RETRY, Choice.CONTINUE, Choice.FIX):
            ctx.state.retries[step] = ctx.state.retries.get(step, 0) + 1
        return choice

    def _decide(
        self, ctx: StepContext, step: StepName, situation: Situation, message: str
    ) -> Choice:
        left = self.pipeline.orchestration.retry_limit - ctx.state.retries.get(step, 0)
        return self.decide(ctx.phase.name.value, step.value, situation, message, left)

    def decide(
        self, phase: str, step: str, situation: Situation, message: str, retries_left: int = 0
    ) -> Choice:
        """Ask the decider, check its answer is on the menu, and record the decision."""
        decision = Decision(situation, phase, step, message, retries_left=retries_left)
        choice = self.ask(decision)
        reason = "retry limit reached" if retries_left <= 0 and choice is Choice.ABORT else ""
        self.record(decision, choice, reason)
        return choice

    def ask(self, decision: Decision) -> Choice:
        """The decider's answer to ``decision``, checked to be on its menu; nothing is recorded."""
        choice = self.decider.decide(decision)
        if choice not in decision.options:
            options = ", ".join(o.value for o in decision.options)
            raise CdpoError(
                f"decider chose {choice!r} for {decision.situation.value}; valid: {options}"
            )
        return choice

    def record(self, decision: Decision, choice: Choice, reason: str = "") -> None:
        """Keep a decision in the state (the report lists them) and tell the listeners."""
        assert self.state is not None
        self.state.decisions.append(
            DecisionRecord(
                at=now_iso(),
                phase=decision.phase,
                step=decision.step,
                situation=decision.situation.value,
                choice=choice.value,
                by=self.decider.name,
                reason=reason,
            )
        )
        phase = decision.phase if decision.phase in set(PhaseName) else None
        step = decision.step if decision.step in set(StepName) else None
        self.emit(
            EventKind.DECISION,
            f"{decision.situation.value}: {choice.value} (by {self.decider.name})",
            phase=PhaseName(phase) if phase else None,
            step=StepName(step) if step else None,
            data={"choice": choice.value, "situation": decision.situation.value},
        )

    def _show_logs(self, ctx: StepContext) -> None:
        runs = [w for w in ctx.state.workflows if w.attempt_id]
        text = self.target.logs(runs[-1].attempt_id) if runs else "(no attempt has started)"  # type: ignore[arg-type]
        self.emit(EventKind.LOG_EXCERPT, text, phase=ctx.phase.name, step=StepName.MONITOR)

    def _reload(self, ctx: StepContext) -> None:
        """Fix: the user edited pipeline.yml; GENERATE renders the edited file, not the one read
        at start. An invalid edit raises its ``ConfigError`` (file, line); the run stays resumable.
        """
        from cdpo.config import find_pipeline, load_pipeline

        self.pipeline = load_pipeline(find_pipeline(self.root))
        ctx.context = PhaseContext(pipeline=self.pipeline, target=self.target, root=self.root)
        ctx.settings = self.pipeline.orchestration
        self.emit(EventKind.CALL, "re-read pipeline.yml for the fix", phase=ctx.phase.name)

    def _resume_point(self, ctx: StepContext, step: StepName, choice: Choice) -> StepName:
        """Where a retry/continue/fix choice resumes the phase."""
        if choice is Choice.CONTINUE:
            return StepName.MONITOR
        target = StepName.GENERATE if choice is Choice.FIX else _RETRY_FROM[step]
        if target is StepName.GENERATE:
            for name in STEPS:
                ctx.state.steps[name].status = Status.PENDING
        if target is StepName.EXECUTE and step is StepName.MONITOR:
            ctx.state.steps[StepName.MONITOR].status = Status.PENDING
        return target

    def _end_phase(
        self, ps: PhaseState, failure: PhaseStepFailed, *, skipped: bool
    ) -> tuple[_Outcome, CdpoError | None]:
        ps.error, ps.finished_at = failure.message, now_iso()
        ps.duration_seconds = seconds_since(ps.started_at)
        if skipped:
            ps.status, ps.skip_reason = Status.SKIPPED, f"skipped after failure: {failure.message}"
            self.emit(
                EventKind.PHASE_FINISHED,
                "skipped by decision: later phases will likely fail",
                phase=ps.name,
            )
            return _Outcome.SKIPPED, None
        ps.status = Status.FAILED
        self.emit(EventKind.PHASE_FINISHED, f"failed: {failure.message}", phase=ps.name)
        return _Outcome.ABORTED, failure

    def _finish(self, error: CdpoError | None) -> None:
        state = self.state
        if state is None:
            return
        state.finished_at = now_iso()
        if error is not None:
            state.status, state.error = RunStatus.ABORTED, error.message
        elif _failed_phases(state):
            state.status = RunStatus.FAILED
        else:
            state.status = RunStatus.COMPLETED
        self.emit(
            EventKind.RUN_FINISHED,
            f"pipeline {state.status.value}",
            data={"status": state.status.value},
        )

    # -- events --------------------------------------------------------------------------------

    def emit(
        self,
        kind: EventKind,
        message: str,
        *,
        phase: PhaseName | None = None,
        step: StepName | None = None,
        data: Any = None,
    ) -> None:
        """Save the state, then tell every listener (log file, progress view)."""
        if self.state is not None:
            save_state(self.state, self.root)
        event = Event(kind, message, phase, step, data or {})
        for listener in self.listeners:
            listener(event)


def _failed_phases(state: PipelineState) -> list[PhaseState]:
    return [
        p
        for p in state.phases.values()
        if p.status is Status.FAILED or (p.status is Status.SKIPPED and p.error)
    ]


def _config_hash(root: Path) -> str:
    path = root / "pipeline.yml"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
