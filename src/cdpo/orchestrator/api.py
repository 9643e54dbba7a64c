"""The library functions behind the CLI commands: each takes a path and returns a result object."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdpo.config import PipelineConfig, find_pipeline, load_pipeline
from cdpo.errors import ConfigError, StateError, did_you_mean
from cdpo.orchestrator.decisions import Decider, PolicyDecider
from cdpo.orchestrator.events import Listener
from cdpo.orchestrator.logs import PhaseLogWriter
from cdpo.orchestrator.plan import PipelinePlan, plan_pipeline
from cdpo.orchestrator.preflight import Finding, doctor
from cdpo.orchestrator.report import write_report
from cdpo.orchestrator.runner import Orchestrator, RunOptions, RunResult
from cdpo.orchestrator.state import PipelineState, load_state
from cdpo.phases import PhaseName

__all__ = [
    "doctor_from_file",
    "execute_and_report",
    "pipeline_status",
    "plan_from_file",
    "policy_for",
    "report_from_file",
    "run_options",
    "run_pipeline",
]

_ON_FAILURE = ("abort", "skip", "retry")


def _phases() -> tuple:
    import cdpo.phases

    return tuple(cdpo.phases.PHASES)


def plan_from_file(path: Path | str = ".") -> PipelinePlan:
    """Load pipeline.yml (a file or its directory) and plan it with the implemented phases; the
    recorded last run, if any, refines the time estimates."""
    pipeline = load_pipeline(find_pipeline(path))
    try:
        history = load_state(pipeline.root)
    except StateError:
        history = None  # an unusable state file only costs the estimate its history
    return plan_pipeline(pipeline, _phases(), history)


def policy_for(
    pipeline: PipelineConfig, *, yes: bool = False, on_failure: str | None = None
) -> PolicyDecider:
    """The unattended decider: flags win over pipeline.yml's ``orchestration`` policies."""
    settings = pipeline.orchestration
    if on_failure is not None and on_failure not in _ON_FAILURE:
        raise ConfigError(
            f"'{on_failure}' is not one of {', '.join(_ON_FAILURE)}.{did_you_mean(on_failure, _ON_FAILURE)}",
            field="--on-failure",
        )
    return PolicyDecider(
        on_failure=on_failure or settings.on_failure,
        on_warning=settings.on_warning,
        yes=yes,
    )


def run_options(
    *, from_phase: str | None = None, only: str | None = None, retry: bool = False
) -> RunOptions:
    """``RunOptions`` from command-line phase names.

    Raises:
        ConfigError: a phase name is unknown (with the closest valid name).
    """
    return RunOptions(_phase(from_phase, "--from"), _phase(only, "--only"), retry)


def _phase(name: str | None, option: str) -> PhaseName | None:
    if name is None:
        return None
    valid = [p.value for p in PhaseName]
    normalized = name.replace("-", "_")
    if normalized not in valid:
        raise ConfigError(
            f"unknown phase '{name}'.{did_you_mean(name, valid)} Valid: {', '.join(valid)}",
            field=option,
        )
    return PhaseName(normalized)


def execute_and_report(
    path: Path | str = ".",
    options: RunOptions | None = None,
    *,
    prompt: Decider | None = None,
    listeners: Sequence[Listener] = (),
    yes: bool = False,
    on_failure: str | None = None,
) -> tuple[RunResult, Path | None]:
    """``run_pipeline``, then the (partial) report; no report when the run did not start.

    Decisions go to ``prompt`` (the user) only when nothing else decides: no ``yes``, no
    ``on_failure`` flag and ``orchestration.on_failure: ask``; otherwise the policy decides.
    """
    policy = policy_for(load_pipeline(find_pipeline(path)), yes=yes, on_failure=on_failure)
    ask = prompt is not None and not yes and policy.on_failure == "ask"
    decider: Decider = prompt if ask and prompt is not None else policy
    try:
        result = run_pipeline(path, options, decider=decider, listeners=listeners)
    except BaseException:
        _partial_report(path)  # Ctrl-C or a bug: the state says where it stopped
        raise
    if not result.started:
        return result, None
    markdown, _ = write_report(result.state, result.root)
    return result, markdown


def _partial_report(path: Path | str) -> None:
    root = find_pipeline(path).resolve().parent
    state = load_state(root)
    if state is not None:
        write_report(state, root)


def report_from_file(path: Path | str = ".") -> tuple[Path, Path]:
    """Rebuild both reports from the state file of the pipeline of ``path``."""
    root = find_pipeline(path).resolve().parent
    return write_report(pipeline_status(root), root)


def run_pipeline(
    path: Path | str = ".",
    options: RunOptions | None = None,
    *,
    decider: Decider | None = None,
    listeners: Sequence[Listener] = (),
) -> RunResult:
    """Run or resume the pipeline of ``path`` on its target; logs go to ``pipeline_logs/``.

    Raises:
        ConfigError: pipeline.yml is invalid.
        StateError: another run holds the lock, or the state file is unusable.
    """
    from cdpo.targets.factory import open_target

    pipeline = load_pipeline(find_pipeline(path))
    decider = decider or policy_for(pipeline)
    with open_target(pipeline, pipeline.root) as target:
        orchestrator = Orchestrator(
            pipeline,
            target,
            _phases(),
            decider=decider,
            listeners=[PhaseLogWriter(pipeline.root), *listeners],
        )
        return orchestrator.run(options or RunOptions())


def doctor_from_file(path: Path | str = ".") -> list[Finding]:
    """The pre-flight findings of the pipeline of ``path`` against its target; changes nothing.

    A ``td`` target without ``TD_API_KEY`` is not opened: the missing key is a CRITICAL finding
    listed with the checks that need no connection.
    """
    from cdpo.config import api_key
    from cdpo.targets.factory import open_target

    pipeline = load_pipeline(find_pipeline(path))
    if pipeline.target == "td" and api_key() is None:
        return doctor(pipeline, None, _phases())
    with open_target(pipeline, pipeline.root) as target:
        return doctor(pipeline, target, _phases())


def pipeline_status(path: Path | str = ".") -> PipelineState:
    """The recorded state of the pipeline of ``path``.

    Raises:
        StateError: the pipeline has never run.
    """
    root = find_pipeline(path).resolve().parent
    state = load_state(root)
    if state is None:
        raise StateError(f"{root}: this pipeline has not run yet", hint="Run `cdpo run`.")
    return state
