"""``pipeline_state.json``: every fact of a run, versioned, written atomically, never holding a secret.

It plays the part of dbt's ``run_results.json``: string-enum statuses, timings and a
``schema_version``; a run that stops for any reason resumes from it (spec §1.9, §5.13).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, computed_field

from cdpo.errors import StateError, redact
from cdpo.phases import PhaseName

__all__ = [
    "SCHEMA_VERSION",
    "STATE_FILE",
    "STEPS",
    "CheckState",
    "DecisionRecord",
    "PhaseState",
    "PipelineState",
    "RunStatus",
    "Status",
    "StepName",
    "StepState",
    "TableState",
    "WorkflowExecution",
    "file_sha256",
    "load_state",
    "now_iso",
    "save_state",
]

SCHEMA_VERSION = 1
STATE_FILE = "pipeline_state.json"


class Status(StrEnum):
    """A phase's or a step's status (spec §1.9)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        return self in {Status.COMPLETED, Status.SKIPPED}


class RunStatus(StrEnum):
    """The pipeline's status as a whole."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    ABORTED = "aborted"


class StepName(StrEnum):
    """The five steps of every phase, in order."""

    GENERATE = "generate"
    DEPLOY = "deploy"
    EXECUTE = "execute"
    MONITOR = "monitor"
    VALIDATE = "validate"


STEPS: tuple[StepName, ...] = tuple(StepName)


def now_iso() -> str:
    """UTC now, ISO-8601 with a ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Model(BaseModel):
    model_config = {"validate_assignment": False, "extra": "ignore"}


class StepState(_Model):
    status: Status = Status.PENDING
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    attempts: int = 0
    detail: str = ""
    error: str | None = None


class WorkflowExecution(_Model):
    """One workflow run of a phase: the ids MONITOR polls and logs are fetched by (spec §5.13)."""

    workflow: str
    params: dict[str, Any] = Field(default_factory=dict)
    session_id: str | None = None
    attempt_id: str | None = None
    status: str = "pending"
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    current_task: str | None = None
    error_excerpt: str | None = None


class TableState(_Model):
    name: str
    row_count: int | None = None


class CheckState(_Model):
    name: str
    status: str
    detail: str
    table: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)


class DecisionRecord(_Model):
    """A decision taken at a decision point, by the user or by a policy; the report lists them."""

    at: str
    phase: str
    step: str
    situation: str
    choice: str
    by: str
    reason: str = ""


class PhaseState(_Model):
    name: PhaseName
    status: Status = Status.PENDING
    steps: dict[StepName, StepState] = Field(
        default_factory=lambda: {step: StepState() for step in STEPS}
    )
    project: str | None = None
    project_dir: str | None = None
    files: dict[str, str] = Field(default_factory=dict, description="relative path → sha256")
    revision: str | None = None
    deployed: bool = False
    deployed_at: str | None = None
    workflows: list[WorkflowExecution] = Field(default_factory=list)
    tables: list[TableState] = Field(default_factory=list)
    checks: list[CheckState] = Field(default_factory=list)
    retries: dict[StepName, int] = Field(default_factory=dict)
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    skip_reason: str | None = None
    error: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def session_id(self) -> str | None:
        """The primary (last started) session, as spec §1.9 records it."""
        started = [w.session_id for w in self.workflows if w.session_id]
        return started[-1] if started else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tables_created(self) -> int:
        """Expected tables found with a row count by VALIDATE (spec §1.9 ``tables_created``)."""
        return sum(1 for t in self.tables if t.row_count is not None)

    @property
    def rows(self) -> int:
        return sum(t.row_count or 0 for t in self.tables)

    def first_unfinished(self) -> StepName | None:
        return next((s for s in STEPS if self.steps[s].status is not Status.COMPLETED), None)

    def reset(self) -> None:
        """Back to pending: a re-run of the whole phase (``--from``, ``--only``, Retry Phase)."""
        fresh = PhaseState(name=self.name)
        for key in type(self).model_fields:
            setattr(self, key, getattr(fresh, key))


class PipelineState(_Model):
    schema_version: int = SCHEMA_VERSION
    pipeline_id: str
    started_at: str
    finished_at: str | None = None
    status: RunStatus = RunStatus.PENDING
    global_config: dict[str, str] = Field(default_factory=dict)
    config_sha256: str = ""
    phases: dict[PhaseName, PhaseState] = Field(default_factory=dict)
    decisions: list[DecisionRecord] = Field(default_factory=list)
    preflight: list[dict[str, str]] = Field(default_factory=list)
    error: str | None = None

    @classmethod
    def new(cls, global_config: dict[str, str], config_sha256: str) -> PipelineState:
        started = datetime.now(UTC)
        return cls(
            pipeline_id=started.strftime("%Y%m%d-%H%M%S"),
            started_at=now_iso(),
            global_config=global_config,
            config_sha256=config_sha256,
            phases={name: PhaseState(name=name) for name in PhaseName},
        )

    def phase(self, name: PhaseName) -> PhaseState:
        return self.phases.setdefault(name, PhaseState(name=name))


def save_state(state: PipelineState, root: Path) -> Path:
    """Write the state atomically (temp file, then rename) with every secret redacted.

    The rename makes a killed process leave either the old or the new file, never half of one; no
    fsync: it costs ~10 ms per event and guards only against power loss.
    """
    path = Path(root) / STATE_FILE
    text = redact(state.model_dump_json(indent=2))
    fd, tmp = tempfile.mkstemp(prefix=".pipeline_state.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_state(root: Path) -> PipelineState | None:
    """The state of the pipeline under ``root``, or None when it never ran.

    Raises:
        StateError: the file is not JSON, has an unknown schema version, or is malformed.
    """
    path = Path(root) / STATE_FILE
    if not path.exists():
        return None
    hint = f"Move {path.name} away to start over (the generated projects are kept)."
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StateError(f"{path}: unreadable state file: {exc}", hint=hint) from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise StateError(
            f"{path}: schema_version {version!r} is not supported (this cdpo writes "
            f"{SCHEMA_VERSION})",
            hint=hint,
        )
    try:
        return PipelineState.model_validate(raw)
    except ValidationError as exc:
        raise StateError(
            f"{path}: malformed state file: {exc.errors()[0]['msg']}", hint=hint
        ) from None
