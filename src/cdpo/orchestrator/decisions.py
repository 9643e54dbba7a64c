"""Decision points as an enumerated interface (spec §1.7b, §5.16).

Each situation the orchestrator can meet has a fixed menu of choices. A ``Decider`` picks one: the
CLI's interactive prompt, or ``PolicyDecider`` for unattended runs (``--yes``, ``--on-failure``,
no TTY), which never waits for input. Every decision is recorded in the state and the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "OPTIONS",
    "Choice",
    "Decider",
    "Decision",
    "PolicyDecider",
    "Situation",
]


class Situation(StrEnum):
    """Where a decision is needed; comments give the spec's decision number."""

    READY_TO_PROCEED = "ready_to_proceed"  # D1, with D3/D15: the summary names missing databases
    RESUME_COMPLETED = "resume_completed_phase"  # D14
    GENERATE_FAILED = "generate_failed"  # D2
    AUTH_FAILED = "auth_failed"  # D4
    DEPLOY_FAILED = "deploy_failed"  # D5/D6
    START_FAILED = "start_failed"  # D7
    SESSION_ERROR = "session_error"  # D8/D13
    SESSION_KILLED = "session_killed"  # D9
    MONITOR_TIMEOUT = "monitor_timeout"  # D10
    VALIDATION_WARNINGS = "validation_warnings"  # D11
    VALIDATION_FAILED = "validation_failed"  # D12


class Choice(StrEnum):
    RETRY = "retry"
    FIX = "fix"
    LOGS = "logs"
    SKIP = "skip"
    ABORT = "abort"
    PROCEED = "proceed"
    STOP = "stop"
    CONTINUE = "continue"
    KEEP = "keep"
    RERUN = "rerun"


OPTIONS: dict[Situation, tuple[Choice, ...]] = {
    Situation.READY_TO_PROCEED: (Choice.PROCEED, Choice.STOP),
    Situation.RESUME_COMPLETED: (Choice.KEEP, Choice.RERUN),
    Situation.GENERATE_FAILED: (Choice.RETRY, Choice.SKIP, Choice.ABORT),
    Situation.AUTH_FAILED: (Choice.RETRY, Choice.ABORT),
    Situation.DEPLOY_FAILED: (Choice.RETRY, Choice.FIX, Choice.SKIP, Choice.ABORT),
    Situation.START_FAILED: (Choice.RETRY, Choice.SKIP, Choice.ABORT),
    Situation.SESSION_ERROR: (Choice.RETRY, Choice.FIX, Choice.LOGS, Choice.SKIP, Choice.ABORT),
    Situation.SESSION_KILLED: (Choice.RETRY, Choice.SKIP, Choice.ABORT),
    Situation.MONITOR_TIMEOUT: (Choice.CONTINUE, Choice.SKIP, Choice.ABORT),
    Situation.VALIDATION_WARNINGS: (Choice.PROCEED, Choice.STOP),
    Situation.VALIDATION_FAILED: (Choice.RETRY, Choice.LOGS, Choice.SKIP, Choice.ABORT),
}
"""The menu of each situation, in the order prompts number them."""


@dataclass(frozen=True)
class Decision:
    """A question the orchestrator asks: the situation, where, why, and the valid choices.

    ``default`` is what cdpo does when nobody is asked (the prompt offers it first); ``warnings``
    are the findings a proceed would accept; ``context`` is what a prompt shows before asking (the
    run summary, ``start.RunSummary``, for ``READY_TO_PROCEED``).
    """

    situation: Situation
    phase: str
    step: str
    message: str
    retries_left: int = 0
    default: Choice | None = None
    warnings: tuple[str, ...] = ()
    context: Any = None

    @property
    def options(self) -> tuple[Choice, ...]:
        return OPTIONS[self.situation]


class Decider(Protocol):
    """Picks one of ``decision.options``; ``name`` is recorded as who decided."""

    @property
    def name(self) -> str: ...

    def decide(self, decision: Decision) -> Choice: ...


@dataclass(frozen=True)
class PolicyDecider:
    """Unattended decisions: never waits for input.

    ``on_failure``: abort | skip | retry (``ask`` means abort here). Retries stop when the step's
    budget (``orchestration.retry_limit``, kept in the state) is spent, and an authentication error
    is never retried blindly (spec §1.5). ``on_warning``: proceed | stop (``ask`` means stop unless
    ``yes``). A run starts (D1) unless pre-flight warned and ``on_warning`` is ``stop``; completed
    phases of a resumed run get the decision's default (D14: keep, or re-run all once the pipeline
    had completed, which starts a new one).
    """

    on_failure: str = "abort"
    on_warning: str = "ask"
    yes: bool = False

    @property
    def name(self) -> str:
        return f"policy(on_failure={self.on_failure}, on_warning={self._warning_policy()})"

    def decide(self, decision: Decision) -> Choice:
        situation = decision.situation
        if situation is Situation.READY_TO_PROCEED:
            stop = decision.warnings and self.on_warning == "stop"
            return Choice.STOP if stop else Choice.PROCEED
        if situation is Situation.RESUME_COMPLETED:
            return decision.default or Choice.KEEP
        if situation is Situation.VALIDATION_WARNINGS:
            return Choice.PROCEED if self._warning_policy() == "proceed" else Choice.STOP
        if self.on_failure == "skip":
            return Choice.SKIP
        retryable = situation is not Situation.AUTH_FAILED and decision.retries_left > 0
        if self.on_failure == "retry" and retryable:
            return Choice.CONTINUE if situation is Situation.MONITOR_TIMEOUT else Choice.RETRY
        return Choice.ABORT

    def _warning_policy(self) -> str:
        if self.on_warning == "ask":
            return "proceed" if self.yes else "stop"
        return self.on_warning
