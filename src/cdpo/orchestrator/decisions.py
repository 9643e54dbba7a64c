"""Decision points as an enumerated interface (spec §1.7b, §5.16).

Each situation the orchestrator can meet has a fixed menu of choices. A ``Decider`` picks one: the
CLI's interactive prompt, or ``PolicyDecider`` for unattended runs (``--yes``, ``--on-failure``,
no TTY), which never waits for input. Every decision is recorded in the state and the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

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

    PREFLIGHT_WARNINGS = "preflight_warnings"  # D1/D15
    GENERATE_FAILED = "generate_failed"  # D2
    DATABASE_MISSING = "database_missing"  # D3
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
    CREATE = "create"


OPTIONS: dict[Situation, tuple[Choice, ...]] = {
    Situation.PREFLIGHT_WARNINGS: (Choice.PROCEED, Choice.STOP),
    Situation.GENERATE_FAILED: (Choice.RETRY, Choice.SKIP, Choice.ABORT),
    Situation.DATABASE_MISSING: (Choice.CREATE, Choice.ABORT),
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

_WARNINGS = {Situation.PREFLIGHT_WARNINGS, Situation.VALIDATION_WARNINGS}


@dataclass(frozen=True)
class Decision:
    """A question the orchestrator asks: the situation, where, why, and the valid choices."""

    situation: Situation
    phase: str
    step: str
    message: str
    retries_left: int = 0

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
    ``yes``). Pre-flight warnings proceed unless ``on_warning`` is ``stop``.
    """

    on_failure: str = "abort"
    on_warning: str = "ask"
    yes: bool = False
    create_databases: bool = True

    @property
    def name(self) -> str:
        return f"policy(on_failure={self.on_failure}, on_warning={self._warning_policy()})"

    def decide(self, decision: Decision) -> Choice:
        situation = decision.situation
        if situation in _WARNINGS:
            return self._on_warning(situation)
        if situation is Situation.DATABASE_MISSING:
            return Choice.CREATE if self.create_databases or self.yes else Choice.ABORT
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

    def _on_warning(self, situation: Situation) -> Choice:
        policy = self._warning_policy()
        if situation is Situation.PREFLIGHT_WARNINGS:
            return Choice.STOP if self.on_warning == "stop" else Choice.PROCEED
        return Choice.PROCEED if policy == "proceed" else Choice.STOP
