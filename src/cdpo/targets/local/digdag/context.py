"""What an operator receives (``OperatorContext``) and returns (``OperatorResult``), and the
``Recorder`` through which the executor reports task states and logs (the SQLite store implements it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cdpo.targets.local.digdag.expr import Evaluator

__all__ = ["Operator", "OperatorContext", "OperatorResult", "Recorder", "RunSettings"]


class Recorder(Protocol):
    """Where task states and logs go. Implementations must be thread-safe."""

    def ensure_task(
        self, full_name: str, parent_id: int | None, config: Mapping[str, Any], upstreams: list[int]
    ) -> int:
        """Create (or reset to ``blocked``) the task ``full_name`` of this attempt; its id."""

    def set_state(
        self,
        task_id: int,
        state: str,
        *,
        error: str | None = None,
        store: Mapping[str, Any] | None = None,
    ) -> None:
        """Move a task to ``state`` (Digdag's names); ``store`` is what its subtree stored."""

    def log(self, task_id: int, text: str) -> None:
        """Append lines to the task's log."""

    def resumed_store(self, full_name: str) -> dict[str, Any] | None:
        """When resuming: the store params of ``full_name`` if it succeeded before, else None."""


@dataclass
class RunSettings:
    """Everything an attempt runs with, besides the workflow itself."""

    project_dir: Path
    builtins: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    warehouse: Path | None = None
    replay: Path | None = None
    secrets: Callable[[str], str] | None = None
    retry_interval_scale: float = 1.0
    require: Callable[..., bool] | None = None
    on_event: Callable[[str, str, str | None], None] | None = None
    _open_warehouse: Any = field(default=None, init=False, repr=False)

    def warehouse_for(self, session_time: int | None) -> Any:
        """The warehouse this attempt's TD tasks share, opened at first use and kept open.

        Opening installs TD's functions (a few hundred milliseconds); an attempt pays it once, not
        once per task. Callers serialise access; ``close`` releases the file when the attempt ends.
        """
        from cdpo.targets.local.warehouse import Warehouse

        assert self.warehouse is not None, "callers check that the run has a warehouse"
        if self._open_warehouse is None:
            self._open_warehouse = Warehouse(self.warehouse, session_time=session_time).open()
        else:
            self._open_warehouse.set_session_time(session_time)
        return self._open_warehouse

    def close(self) -> None:
        """Release the warehouse file, if this attempt opened it."""
        if self._open_warehouse is not None:
            self._open_warehouse.close()
            self._open_warehouse = None


@dataclass
class OperatorResult:
    """An operator's outputs: store params (visible to later tasks), export params (visible to
    the generated subtasks only) and generated subtasks (a Digdag task mapping, run as ``^sub``).
    """

    store: dict[str, Any] = field(default_factory=dict)
    export: dict[str, Any] = field(default_factory=dict)
    subtasks: Mapping[str, Any] | None = None
    workflow_file: Path | None = None
    """The file the subtasks come from (``call>`` of a ``.dig`` in a subdirectory runs there)."""


@dataclass
class OperatorContext:
    """A running task as its operator sees it.

    ``command`` is the evaluated ``op>:`` value; ``config`` the merged, evaluated parameters
    (built-ins, ``-p``, exports, store, then the task's own keys); ``raw`` the task's unevaluated
    keys (``_do`` and friends are read from there).
    """

    task_name: str
    command: Any
    config: dict[str, Any]
    raw: dict[str, Any]
    settings: RunSettings
    evaluator: Evaluator
    cancel: threading.Event
    workflow_file: Path
    log: Callable[[str], None]

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; False when the attempt was killed meanwhile."""
        return not self.cancel.wait(max(seconds, 0.0))

    def path(self, relative: str) -> Path:
        """A path of the project, relative to the directory of the running workflow file."""
        return (self.workflow_file.parent / relative).resolve()

    def render_file(self, relative: str) -> str:
        """Read a project file (query, script) and evaluate its ``${...}`` with this task's params."""
        return self.evaluator.render(self.path(relative).read_text(encoding="utf-8"), self.config)


class Operator(Protocol):
    """An operator: ``run`` does the work; optional ``check(task, workflow, project)`` -> problems."""

    def run(self, ctx: OperatorContext) -> OperatorResult: ...
