"""The one interface every target implements: where generated Digdag projects run.

The orchestrator talks to a ``Target`` and never knows which one it is (DESIGN.md, "Targets").
``local`` runs projects in cdpo's own Digdag runtime on DuckDB (or Spark); ``td`` speaks Treasure
Data's REST APIs. Ids are strings, as Digdag's REST API serialises them, even where they are numeric.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "Attempt",
    "AttemptStatus",
    "Column",
    "QueryResult",
    "Revision",
    "SessionRef",
    "TableInfo",
    "Target",
    "TargetCapabilities",
    "TaskInfo",
    "TaskState",
]

DEFAULT_CALL_TIMEOUT = 60.0
"""Seconds any single target call may take before it raises ``TransientTargetError``."""


class AttemptStatus(StrEnum):
    """An attempt's status, derived as Digdag's ``RestSessionAttempt.getStatus()`` derives it."""

    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    KILLED = "killed"

    @classmethod
    def derive(cls, *, done: bool, success: bool, cancel_requested: bool) -> AttemptStatus:
        """``success`` if success; else if done: ``killed`` when cancel was requested, else ``error``.

        Example:
            >>> AttemptStatus.derive(done=True, success=False, cancel_requested=True)
            <AttemptStatus.KILLED: 'killed'>
        """
        if success:
            return cls.SUCCESS
        if done:
            return cls.KILLED if cancel_requested else cls.ERROR
        return cls.RUNNING

    @property
    def done(self) -> bool:
        return self is not AttemptStatus.RUNNING


class TaskState(StrEnum):
    """Digdag's task state names (``TaskStateCode``), lower-case as its REST API writes them."""

    BLOCKED = "blocked"
    READY = "ready"
    RETRY_WAITING = "retry_waiting"
    GROUP_RETRY_WAITING = "group_retry_waiting"
    RUNNING = "running"
    PLANNED = "planned"
    GROUP_ERROR = "group_error"
    SUCCESS = "success"
    ERROR = "error"
    CANCELED = "canceled"

    @property
    def done(self) -> bool:
        return self in {
            TaskState.SUCCESS,
            TaskState.GROUP_ERROR,
            TaskState.ERROR,
            TaskState.CANCELED,
        }

    @property
    def failed(self) -> bool:
        return self in {TaskState.ERROR, TaskState.GROUP_ERROR}


@dataclass(frozen=True)
class Revision:
    """What ``push`` returns: the project as the target now holds it."""

    project: str
    revision: str
    project_id: str
    workflows: tuple[str, ...]


@dataclass(frozen=True)
class SessionRef:
    """What ``start`` returns: the ids MONITOR polls and the logs are fetched by."""

    session_id: str
    attempt_id: str
    session_time: str


@dataclass(frozen=True)
class TaskInfo:
    """One task of an attempt, as ``GET /api/attempts/{id}/tasks`` describes it."""

    id: str
    full_name: str
    state: TaskState
    parent_id: str | None = None
    started_at: str | None = None
    updated_at: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Attempt:
    """An attempt's status and tasks."""

    id: str
    session_id: str
    project: str
    workflow: str
    status: AttemptStatus
    session_time: str
    created_at: str | None = None
    finished_at: str | None = None
    tasks: tuple[TaskInfo, ...] = ()

    @property
    def done(self) -> bool:
        return self.status.done

    @property
    def running_task(self) -> str | None:
        """The full name of the deepest task now running, for progress displays."""
        running = [t.full_name for t in self.tasks if t.state is TaskState.RUNNING]
        return max(running, key=len) if running else None

    @property
    def failed_tasks(self) -> tuple[TaskInfo, ...]:
        return tuple(t for t in self.tasks if t.state is TaskState.ERROR)


@dataclass(frozen=True)
class Column:
    """A table column: its name and its type in TD's Presto dialect (``bigint``, ``varchar`` …)."""

    name: str
    type: str


@dataclass(frozen=True)
class TableInfo:
    """A table of a database with its row count, as ``/v3/table/list`` reports it."""

    database: str
    name: str
    row_count: int
    columns: tuple[Column, ...] = ()


@dataclass(frozen=True)
class QueryResult:
    """Rows of a query, with the column names in order."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        """The first column of the first row, or None when there is no row."""
        return self.rows[0][0] if self.rows else None


@dataclass(frozen=True)
class TargetCapabilities:
    """What a target can do, declared as data so the core reads it instead of checking types."""

    sql_dialect: str
    operators: frozenset[str] = field(default_factory=frozenset)
    can_create_databases: bool = True


class Target(abc.ABC):
    """Where generated Digdag projects run, and the warehouse they write to.

    Every method either returns what it promises or raises a ``TargetError`` subclass: targets map
    their libraries' errors (DuckDB, httpx, …) at this boundary so none escapes above it. Each call
    is bounded by a timeout; a ``TransientTargetError`` may be retried by the caller, a
    ``TerminalTargetError`` may not.
    """

    name: ClassVar[str]
    capabilities: ClassVar[TargetCapabilities]

    @abc.abstractmethod
    def push(self, project_dir: Path, project: str | None = None) -> Revision:
        """Upload a Digdag project directory; its top-level ``.dig`` files become workflows.

        Idempotent: pushing the same content again yields the same revision.

        Args:
            project_dir: the directory holding the ``.dig`` files.
            project: project name; defaults to the directory name.

        Raises:
            ConfigError: a workflow does not parse (file and line named).
            UnsupportedOperatorError: a task uses an operator the target cannot run.
        """

    @abc.abstractmethod
    def start(
        self,
        project: str,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        session_time: datetime | None = None,
    ) -> SessionRef:
        """Start a session of ``workflow`` and return its session and attempt ids; never waits.

        Raises:
            NotFoundError: the project or workflow is not pushed.
            ConflictError: a session for ``session_time`` already exists.
        """

    @abc.abstractmethod
    def attempt(self, attempt_id: str) -> Attempt:
        """The attempt's current status and its tasks. Cheap enough to poll."""

    @abc.abstractmethod
    def logs(self, attempt_id: str, task: str | None = None) -> str:
        """The attempt's log text, optionally only of tasks whose full name starts with ``task``."""

    @abc.abstractmethod
    def kill(self, attempt_id: str) -> None:
        """Request cancellation. The attempt ends ``killed``; poll ``attempt`` to see it end."""

    @abc.abstractmethod
    def retry(self, attempt_id: str) -> SessionRef:
        """Start a new attempt of the same session that resumes from the failed tasks."""

    @abc.abstractmethod
    def query(self, sql: str, database: str | None = None) -> QueryResult:
        """Run one SQL statement written in TD's Presto/Trino dialect and return its rows."""

    def query_arrow(self, sql: str, database: str | None = None) -> pa.Table:
        """``query``'s result as an Arrow table, for results too large for a tuple per row.

        This default converts ``query``'s rows, a column of mixed types to text; a target that
        holds Arrow already (the local warehouse) returns it as it is.
        """
        import pyarrow as pa

        result = self.query(sql, database)
        values = list(zip(*result.rows, strict=True)) or [() for _ in result.columns]
        return pa.Table.from_arrays([_arrow_column(v) for v in values], names=list(result.columns))

    @abc.abstractmethod
    def tables(self, database: str) -> list[TableInfo]:
        """The tables of ``database`` with their row counts; empty when it has none.

        Raises:
            NotFoundError: the database does not exist.
        """

    @abc.abstractmethod
    def columns(self, database: str, table: str) -> list[Column]:
        """A table's live schema, in column order. Raises ``NotFoundError`` if it is missing."""

    @abc.abstractmethod
    def databases(self) -> list[str]:
        """The names of the databases the API key can see."""

    @abc.abstractmethod
    def create_database(self, name: str) -> None:
        """Create a database; does nothing when it already exists."""

    def wait_between_polls(self, attempt_id: str, seconds: float) -> None:
        """Wait ``seconds`` before the next ``attempt`` poll; a target that learns sooner that the
        attempt ended may return then (remote targets cannot: they sleep).
        """
        time.sleep(seconds)

    def secrets(self, project: str) -> list[str]:
        """Names (never values) of the secrets set for ``project``; targets without secrets: []."""
        return []

    def prepare_attempts(self) -> None:  # noqa: B027 - optional hook
        """A run is about to start attempts: a target that can get ready for them does now."""

    def close(self) -> None:  # noqa: B027 - optional hook, most targets hold nothing to close
        """Release connections and worker processes."""

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def workflow_names(project_dir: Path) -> Sequence[str]:
        """The workflows of a project: its top-level ``*.dig`` files, as Digdag's archiver sees them."""
        return sorted(p.stem for p in Path(project_dir).glob("*.dig"))


def _arrow_column(values: Sequence[Any]) -> pa.Array:
    """One column of Python values as Arrow; mixed types become text (``None`` stays null)."""
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())
