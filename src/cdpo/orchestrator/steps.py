"""The five steps of a phase. Each returns a ``StepResult`` or raises ``PhaseStepFailed``.

A failure carries the ``Situation`` the orchestrator asks a decision about (spec §1.7b); a cdpo
error a step does not classify itself gets its step's generic situation in ``run_step``. Transient
target errors are retried here a bounded number of times; everything else goes up to the decider.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cdpo.errors import (
    AuthenticationError,
    CdpoError,
    ConfigError,
    PhaseStepFailed,
    QualityGateFailed,
    TargetError,
    TransientTargetError,
    WorkflowError,
)
from cdpo.orchestrator.decisions import Situation
from cdpo.orchestrator.events import EventKind
from cdpo.orchestrator.secrets import missing_secrets, secret_command
from cdpo.orchestrator.state import (
    CheckState,
    PhaseState,
    StepName,
    TableState,
    WorkflowExecution,
    file_sha256,
    now_iso,
)
from cdpo.phases import CheckStatus, GeneratedProject, Phase, PhaseContext, WorkflowRun
from cdpo.targets import AttemptStatus

__all__ = [
    "StepContext",
    "StepResult",
    "fail",
    "log_excerpt",
    "project_from_state",
    "run_step",
    "seconds_since",
]

_ERROR_LINE = re.compile(r"ERROR|Exception|Failed", re.IGNORECASE)
# ``td> x`` → ``td>: x``: the one syntax error spec §1.5 auto-fixes.
_MISSING_COLON = re.compile(r"^(\s*[a-z_]+>)(\s+\S)")


@dataclass(frozen=True)
class StepResult:
    """What a step did: shown in progress, logged, and kept in the state."""

    step: StepName
    detail: str
    warnings: tuple[str, ...] = ()

    def asstr(self) -> str:
        return self.detail + "".join(f"\n  warning: {w}" for w in self.warnings)


@dataclass
class StepContext:
    """What a step may use: the phase, its state, the target, settings, and the event sink."""

    phase: Phase
    state: PhaseState
    context: PhaseContext
    settings: Any
    emit: Callable[..., None]
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    @property
    def target(self) -> Any:
        return self.context.target


def fail(
    ctx: StepContext, step: StepName, cause: BaseException | str, situation: Situation | None
) -> PhaseStepFailed:
    """A ``PhaseStepFailed`` carrying the decision ``situation`` (None: stop without asking)."""
    failure = PhaseStepFailed(ctx.phase.name.value, step.value, cause)
    failure.situation = situation  # type: ignore[attr-defined]
    return failure


def project_from_state(state: PhaseState) -> GeneratedProject:
    """The generated project as recorded, so a resumed run deploys what was generated."""
    return GeneratedProject(
        project=state.project or state.name.value,
        directory=Path(state.project_dir or state.name.value),
        files=tuple(state.files),
        runs=tuple(WorkflowRun(w.workflow, w.params) for w in state.workflows),
        tables=tuple(t.name for t in state.tables),
    )


def generate(ctx: StepContext) -> StepResult:
    project = ctx.phase.generate(ctx.context)
    missing = [f for f in project.files if not (project.directory / f).is_file()]
    workflows = set(ctx.target.workflow_names(project.directory))
    missing += [f"{r.workflow}.dig" for r in project.runs if r.workflow not in workflows]
    if missing:
        cause = (
            f"expected files missing from {project.directory}: {', '.join(sorted(set(missing)))}"
        )
        raise fail(ctx, StepName.GENERATE, cause, Situation.GENERATE_FAILED)
    state = ctx.state
    state.project, state.project_dir = project.project, str(project.directory)
    state.files = {f: file_sha256(project.directory / f) for f in project.files}
    state.workflows = [
        WorkflowExecution(workflow=r.workflow, params=dict(r.params)) for r in project.runs
    ]
    state.tables = [TableState(name=t) for t in project.tables]
    state.deployed = False
    return StepResult(StepName.GENERATE, f"{len(project.files)} files in {project.directory}")


def deploy(ctx: StepContext) -> StepResult:
    project = project_from_state(ctx.state)
    attempts = ctx.settings.deploy_attempts
    for attempt in range(1, attempts + 1):
        ctx.emit(
            EventKind.CALL,
            f"push {project.project} (attempt {attempt}/{attempts})",
            StepName.DEPLOY,
        )
        try:
            revision = ctx.target.push(project.directory, project.project)
        except TransientTargetError as error:
            ctx.emit(EventKind.CALL, f"push failed, will retry: {error}", StepName.DEPLOY)
            ctx.sleep(ctx.settings.retry_delay_seconds * 2 ** (attempt - 1))
            continue
        except ConfigError as error:
            if attempt < attempts and _autofix(error):
                ctx.emit(EventKind.CALL, f"auto-fixed {error.file}:{error.line}", StepName.DEPLOY)
                ctx.state.files = {f: file_sha256(project.directory / f) for f in ctx.state.files}
                continue
            raise fail(ctx, StepName.DEPLOY, error, Situation.DEPLOY_FAILED) from error
        except AuthenticationError as error:
            raise fail(ctx, StepName.DEPLOY, error, Situation.AUTH_FAILED) from error
        except TargetError as error:
            raise fail(ctx, StepName.DEPLOY, error, Situation.DEPLOY_FAILED) from error
        _check_secrets(ctx, project)
        ctx.state.revision, ctx.state.deployed, ctx.state.deployed_at = (
            revision.revision,
            True,
            now_iso(),
        )
        return StepResult(StepName.DEPLOY, f"{revision.project} revision {revision.revision}")
    cause = f"push of {project.project} failed {attempts} times"
    raise fail(ctx, StepName.DEPLOY, cause, Situation.DEPLOY_FAILED)


def _check_secrets(ctx: StepContext, project: GeneratedProject) -> None:
    """Fail DEPLOY on a secret the project references and the target lacks (spec §1.5 D5)."""
    missing = missing_secrets(ctx.target, project.directory, project.project)
    if missing:
        endpoint = ctx.context.pipeline.td.hosts.workflow
        commands = "; ".join(
            secret_command(ctx.target, project.project, n, endpoint) for n in missing
        )
        cause = f"secrets not set for project {project.project}: {', '.join(missing)}. Set them: {commands}"
        raise fail(ctx, StepName.DEPLOY, cause, Situation.DEPLOY_FAILED)


def _autofix(error: ConfigError) -> bool:
    """Fix ``td> x`` (operator without its colon) at the reported line; True if a fix was made."""
    if not error.file or not error.line or not Path(error.file).is_file():
        return False
    path = Path(error.file)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if error.line > len(lines) or not _MISSING_COLON.match(lines[error.line - 1]):
        return False
    lines[error.line - 1] = _MISSING_COLON.sub(r"\1:\2", lines[error.line - 1], count=1)
    path.write_text("".join(lines), encoding="utf-8")
    return True


def current_workflow(state: PhaseState) -> WorkflowExecution | None:
    """The first workflow of the phase that has not succeeded."""
    return next((w for w in state.workflows if w.status != AttemptStatus.SUCCESS), None)


def execute(ctx: StepContext) -> StepResult:
    run = current_workflow(ctx.state)
    if run is None:
        return StepResult(StepName.EXECUTE, "every workflow already succeeded")
    project = ctx.state.project or ctx.phase.name.value
    ctx.emit(EventKind.CALL, f"start {project}/{run.workflow} {dict(run.params)}", StepName.EXECUTE)
    ref = ctx.target.start(project, run.workflow, run.params)
    run.session_id, run.attempt_id = ref.session_id, ref.attempt_id
    run.status, run.started_at, run.finished_at = AttemptStatus.RUNNING.value, now_iso(), None
    run.error_excerpt = None
    ctx.emit(
        EventKind.WORKFLOW_STARTED,
        f"{run.workflow}: session {ref.session_id}, attempt {ref.attempt_id}",
        StepName.EXECUTE,
        {"workflow": run.workflow, "session_id": ref.session_id, "attempt_id": ref.attempt_id},
    )
    return StepResult(StepName.EXECUTE, f"{run.workflow} session {ref.session_id}")


def monitor(ctx: StepContext) -> StepResult:
    run = current_workflow(ctx.state)
    if run is None or run.attempt_id is None:
        cause = "no started attempt to follow"
        raise fail(ctx, StepName.MONITOR, cause, Situation.START_FAILED)
    attempt = _poll_until_done(ctx, run)
    run.status, run.finished_at, run.current_task = attempt.status.value, now_iso(), None
    run.duration_seconds = seconds_since(run.started_at)
    if attempt.status is AttemptStatus.SUCCESS:
        return StepResult(StepName.MONITOR, f"{run.workflow} succeeded (attempt {run.attempt_id})")
    if attempt.status is AttemptStatus.KILLED:
        cause = f"{run.workflow} attempt {run.attempt_id} was killed (manually or by a timeout)"
        raise fail(ctx, StepName.MONITOR, cause, Situation.SESSION_KILLED)
    run.error_excerpt = log_excerpt(_safe_logs(ctx, run.attempt_id))
    failed = [t.full_name for t in attempt.failed_tasks]
    first_error = next(iter(run.error_excerpt.splitlines()), "no log")
    error = WorkflowError(
        f"attempt {run.attempt_id} of session {run.session_id} ended in error: {first_error}",
        task=failed[0] if failed else None,
    )
    ctx.emit(
        EventKind.LOG_EXCERPT, run.error_excerpt, StepName.MONITOR, {"attempt_id": run.attempt_id}
    )
    raise fail(ctx, StepName.MONITOR, error, Situation.SESSION_ERROR)


def _poll_until_done(ctx: StepContext, run: WorkflowExecution) -> Any:
    """Poll with backoff (0.5 s doubling up to 30 s by default) until done or the timeout."""
    settings = ctx.settings
    timeout = settings.monitor_timeout(ctx.phase.name)
    started, delay = ctx.clock(), settings.poll_initial_seconds
    while True:
        try:
            attempt = ctx.target.attempt(run.attempt_id)
        except TransientTargetError as error:
            ctx.emit(EventKind.POLL, f"poll failed, will retry: {error}", StepName.MONITOR)
        else:
            run.status, run.current_task = attempt.status.value, attempt.running_task
            elapsed = ctx.clock() - started
            ctx.emit(
                EventKind.POLL,
                f"{run.workflow} {attempt.status.value} {run.current_task or ''}".rstrip(),
                StepName.MONITOR,
                {
                    "attempt_id": run.attempt_id,
                    "elapsed": round(elapsed, 3),
                    "task": run.current_task,
                },
            )
            if attempt.done:
                return attempt
        remaining = timeout - (ctx.clock() - started)
        if remaining <= 0:
            cause = f"{run.workflow} attempt {run.attempt_id} still running after {timeout:.0f} s"
            raise fail(ctx, StepName.MONITOR, cause, Situation.MONITOR_TIMEOUT)
        ctx.target.wait_between_polls(run.attempt_id, min(delay, remaining))
        delay = min(max(delay * 2, settings.poll_initial_seconds), settings.poll_max_seconds)


def seconds_since(iso: str | None) -> float:
    """Wall-clock seconds since an ISO timestamp of ``now_iso`` (survives a resume)."""
    if not iso:
        return 0.0
    started = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return round((datetime.now(UTC) - started).total_seconds(), 3)


def _safe_logs(ctx: StepContext, attempt_id: str) -> str:
    try:
        return ctx.target.logs(attempt_id)
    except TargetError as error:
        return f"(logs unavailable: {error})"


def log_excerpt(text: str, tail: int = 20) -> str:
    """The ERROR/Exception/Failed lines, then the last ``tail`` lines, without repeats (spec §1.7).

    Example:
        >>> log_excerpt("a\\nERROR x\\nb", tail=1)
        'ERROR x\\nb'
    """
    lines = text.splitlines()
    picked = [line for line in lines if _ERROR_LINE.search(line)]
    picked += [line for line in lines[-tail:] if line not in picked]
    return "\n".join(picked)


def validate(ctx: StepContext) -> StepResult:
    project = project_from_state(ctx.state)
    checks = ctx.phase.validate(ctx.context, project)
    ctx.state.checks = [
        CheckState(
            name=c.name,
            status=c.status.value,
            detail=c.detail,
            table=c.table,
            metrics=dict(c.metrics),
        )
        for c in checks
    ]
    _count_rows(ctx)
    failed = [c for c in checks if c.status is CheckStatus.FAIL]
    if failed:
        first = failed[0]
        cause = QualityGateFailed(
            ctx.phase.name.value, first.name, f"{first.table or ''} {first.detail}".strip()
        )
        raise fail(ctx, StepName.VALIDATE, cause, Situation.VALIDATION_FAILED)
    warnings = tuple(
        f"{c.name} {c.table or ''}: {c.detail}" for c in checks if c.status is CheckStatus.WARN
    )
    passed = sum(1 for c in checks if c.status is CheckStatus.PASS)
    return StepResult(StepName.VALIDATE, f"{passed}/{len(checks)} checks passed", warnings)


def _count_rows(ctx: StepContext) -> None:
    """Row counts of the phase's tables, from the target's table list (spec §1.8 VERIFY)."""
    by_database: dict[str, dict[str, int]] = {}
    for table in ctx.state.tables:
        database, _, name = table.name.rpartition(".")
        if database not in by_database:
            try:
                by_database[database] = {t.name: t.row_count for t in ctx.target.tables(database)}
            except TargetError:
                by_database[database] = {}
        table.row_count = by_database[database].get(name)


STEP_FUNCTIONS: dict[StepName, Callable[[StepContext], StepResult]] = {
    StepName.GENERATE: generate,
    StepName.DEPLOY: deploy,
    StepName.EXECUTE: execute,
    StepName.MONITOR: monitor,
    StepName.VALIDATE: validate,
}


# The decision asked when a step fails with an error it did not classify itself.
_GENERIC_SITUATION = {
    StepName.GENERATE: Situation.GENERATE_FAILED,
    StepName.DEPLOY: Situation.DEPLOY_FAILED,
    StepName.EXECUTE: Situation.START_FAILED,
    StepName.MONITOR: Situation.SESSION_ERROR,
    StepName.VALIDATE: Situation.VALIDATION_FAILED,
}


def run_step(ctx: StepContext, step: StepName) -> StepResult:
    """Run one step; any other cdpo error it raises (a target call, a phase) fails the step too."""
    try:
        return STEP_FUNCTIONS[step](ctx)
    except PhaseStepFailed:
        raise
    except AuthenticationError as error:
        raise fail(ctx, step, error, Situation.AUTH_FAILED) from error
    except CdpoError as error:
        raise fail(ctx, step, error, _GENERIC_SITUATION[step]) from error
