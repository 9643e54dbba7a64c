"""Every error cdpo raises, in one tree.

    CdpoError                      root; the CLI prints ``message`` and ``hint`` in one red line each
    ├── ConfigError                pipeline.yml or a Digdag project is malformed (file, line, field)
    │   └── UnsupportedOperatorError   a workflow uses an operator the target cannot run
    ├── GenerateError              a phase could not write its Digdag project
    ├── TranslationError           generated or user SQL cannot be translated for an engine
    ├── WorkflowError              a task failed while a workflow ran (task name, cause)
    ├── TargetError                a target call failed; ``transient`` says whether a retry may help
    │   ├── TransientTargetError       timeouts, 429 and 5xx, connection resets: bounded retries
    │   └── TerminalTargetError        everything a retry cannot fix
    │       ├── AuthenticationError        bad or missing API key: never retried blindly
    │       ├── NotFoundError              a project, workflow, attempt, database or table is missing
    │       └── ConflictError              e.g. a session for that session time already exists
    ├── StateError                 pipeline_state.json is unreadable, locked or from another pipeline
    ├── QualityGateFailed          VALIDATE found data that fails a phase's quality gate
    └── PhaseStepFailed            a phase step failed; says which, why, and what to run next

Each error keeps its details as attributes and builds its message in one place (``message``), as
dbt-core's exceptions do; secrets are scrubbed from every message (``redact``).
"""

from __future__ import annotations

import difflib
import os
import re
from collections import Counter
from collections.abc import Iterable

__all__ = [
    "AuthenticationError",
    "CdpoError",
    "ConfigError",
    "ConflictError",
    "GenerateError",
    "NotFoundError",
    "PhaseStepFailed",
    "QualityGateFailed",
    "StateError",
    "TargetError",
    "TerminalTargetError",
    "TransientTargetError",
    "TranslationError",
    "UnsupportedOperatorError",
    "WorkflowError",
    "did_you_mean",
    "listed_twice",
    "redact",
]

_SECRET_ENV_VARS = ("TD_API_KEY",)
# A TD API key looks like "<account id>/<40 hex>"; scrub anything of that shape even when it did not
# come from the environment (a key pasted into a config file, a header echoed by a server).
_TD_KEY_PATTERN = re.compile(r"\b\d+/[0-9a-fA-F]{40}\b")
# The key pattern is tried at every position; this one, led by a literal, finds its candidates fast.
_TD_KEY_HINT = re.compile(r"/[0-9a-fA-F]{40}")
_AUTH_HEADER_PATTERN = re.compile(r"(TD1\s+)\S+")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with every known secret replaced by ``****``.

    Known secrets are the values of ``TD_API_KEY`` in the environment, anything shaped like a TD API
    key, the token after ``TD1`` in an authorization header, and the extra ``secrets`` given.

    Example:
        >>> redact("Authorization: TD1 1/0123456789abcdef0123456789abcdef01234567")
        'Authorization: TD1 ****'
    """
    # Called on every task log line: a pattern runs only when its literal part is in the text.
    values = {v for v in (*map(os.environ.get, _SECRET_ENV_VARS), *secrets) if v and len(v) >= 4}
    for value in sorted(values, key=len, reverse=True) if len(values) > 1 else values:
        text = text.replace(value, "****")
    if "TD1" in text:
        text = _AUTH_HEADER_PATTERN.sub(r"\1****", text)
    return _TD_KEY_PATTERN.sub("****", text) if _TD_KEY_HINT.search(text) else text


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A " Did you mean 'x'?" suffix naming the closest valid choice, or "" when none is close.

    Example:
        >>> did_you_mean("incremental", ["incremental", "historical", "both"])
        " Did you mean 'incremental'?"
    """
    match = difflib.get_close_matches(value, list(choices), n=1)
    return f" Did you mean '{match[0]}'?" if match else ""


def listed_twice(names: Iterable[str]) -> list[str]:
    """The names that occur more than once, sorted: what a "duplicate ..." message names.

    Example:
        >>> listed_twice(["orders", "users", "orders"])
        ['orders']
    """
    return sorted(name for name, count in Counter(names).items() if count > 1)


class CdpoError(Exception):
    """Root of cdpo's errors. ``hint`` says what to do next; it is printed under the message."""

    hint: str = ""

    def __init__(self, message: str = "", *, hint: str = "") -> None:
        self._message = message
        if hint:
            self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return redact(self._message)

    def __str__(self) -> str:
        return self.message


class ConfigError(CdpoError):
    """Input a user wrote is invalid: pipeline.yml, a ``.dig`` file, a query file reference.

    ``file``, ``line`` and ``field`` locate the problem; the message says what would be valid.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | os.PathLike[str] | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str = "",
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(self._build(), hint=hint)

    def _build(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        if self.field:
            where = f"{where}: {self.field}" if where else self.field
        return f"{where}: {self.problem}" if where else self.problem


class UnsupportedOperatorError(ConfigError):
    """A workflow uses an operator the target does not support; reported before any task runs."""


class GenerateError(CdpoError):
    """A phase generator could not write its project (missing live table, bad schema, …)."""


class TranslationError(CdpoError):
    """SQL could not be translated from TD's dialect to the engine's; ``sql`` is the input."""

    def __init__(self, problem: str, *, sql: str = "", hint: str = "") -> None:
        self.problem = problem
        self.sql = sql
        super().__init__(problem, hint=hint)


class WorkflowError(CdpoError):
    """A task failed while a workflow ran. ``task`` is its full name (``+wf+group+task``)."""

    def __init__(self, problem: str, *, task: str | None = None, hint: str = "") -> None:
        self.problem = problem
        self.task = task
        super().__init__(f"{task}: {problem}" if task else problem, hint=hint)


class TargetError(CdpoError):
    """A call to a target failed. ``transient`` tells the orchestrator whether a retry may help."""

    transient: bool = False


class TransientTargetError(TargetError):
    """Timeouts, rate limits, 5xx and dropped connections: retried a bounded number of times."""

    transient = True


class TerminalTargetError(TargetError):
    """A failure no retry fixes without a change by the user."""


class AuthenticationError(TerminalTargetError):
    """The API key is missing, invalid or lacks a permission."""

    hint = "Set TD_API_KEY to a valid key with write permission (export TD_API_KEY=...)."


class NotFoundError(TerminalTargetError):
    """A project, workflow, attempt, database or table does not exist."""


class ConflictError(TerminalTargetError):
    """The request conflicts with existing state (a session for this session time exists)."""


class StateError(CdpoError):
    """``pipeline_state.json`` cannot be used: unreadable, locked by another run, or foreign."""


class QualityGateFailed(CdpoError):
    """VALIDATE found data below a phase's quality gate (e.g. ID coverage under 90%)."""

    def __init__(self, phase: str, check: str, detail: str, *, hint: str = "") -> None:
        self.phase = phase
        self.check = check
        self.detail = detail
        super().__init__(f"{phase}: quality gate '{check}' failed: {detail}", hint=hint)


class PhaseStepFailed(CdpoError):
    """A step of a phase failed. The message names the phase, the step, the cause and the next command."""

    def __init__(
        self, phase: str, step: str, cause: BaseException | str, *, hint: str = ""
    ) -> None:
        self.phase = phase
        self.step = step
        self.cause = cause
        hint = hint or "Fix the cause, then run `cdpo retry` to resume from this step."
        super().__init__(f"phase {phase}, step {step} failed: {cause}", hint=hint)
