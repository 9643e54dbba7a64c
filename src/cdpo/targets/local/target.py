"""``LocalTarget``: the ``Target`` interface over cdpo's Digdag runtime and the DuckDB warehouse.

Layout under ``root``: ``.cdpo/digdag.sqlite`` (the store), ``.cdpo/projects/`` (pushed revisions),
``.cdpo/warehouse.duckdb`` (the warehouse, unless another file is given). ``start`` and ``retry``
run the attempt in a worker process, handed to the warm standby started after the previous one
when it can take it (``standby.py``); ``run`` runs one in the foreground (``cdpo digdag run``).
"""

from __future__ import annotations

import json
import os
import select
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from cdpo.errors import NotFoundError, TransientTargetError
from cdpo.targets.base import (
    DEFAULT_CALL_TIMEOUT,
    Attempt,
    AttemptStatus,
    Column,
    QueryResult,
    Revision,
    SessionRef,
    TableInfo,
    Target,
    TargetCapabilities,
    TaskInfo,
    TaskState,
)
from cdpo.targets.local.digdag.operators import OPERATORS
from cdpo.targets.local.store import Store

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DEFAULT_WAIT_TIMEOUT", "WAREHOUSE_IDLE_SECONDS", "LocalTarget"]

EventHandler = Callable[[str, str, str | None], None]

DEFAULT_WAIT_TIMEOUT = 3600.0
"""Seconds ``wait`` follows an attempt before giving up."""
KILL_GRACE_SECONDS = 30.0
"""Seconds a worker has to stop after a kill before it is terminated."""
_POLL_SECONDS = 0.2
WAREHOUSE_IDLE_SECONDS = 2.0
"""Seconds the target keeps the warehouse open after its last call."""


def _now_second() -> datetime:
    from datetime import UTC

    return datetime.now(UTC).replace(microsecond=0)


class LocalTarget(Target):
    """Runs projects on this machine. ``root`` holds ``.cdpo/``; ``warehouse`` overrides its file.

    ``warm_workers`` keeps a standby worker process ready for the next ``start``/``retry`` (False:
    every worker starts cold, as ``benchmarks/digdag_runtime.py`` compares).
    """

    name: ClassVar[str] = "local"
    capabilities: ClassVar[TargetCapabilities] = TargetCapabilities(
        sql_dialect="duckdb", operators=frozenset(OPERATORS)
    )

    def __init__(
        self,
        root: Path,
        warehouse: Path | None = None,
        *,
        replay: Path | None = None,
        retry_interval_scale: float = 1.0,
        warm_workers: bool = True,
        compression: str | None = None,
    ) -> None:
        from cdpo.targets.local.standby import StandbySlot

        self.root = Path(root).resolve()
        self.store = Store(self.root)
        self.warehouse_path = (
            Path(warehouse).resolve() if warehouse else self.store.directory / "warehouse.duckdb"
        )
        self.replay = Path(replay).resolve() if replay else None
        self.retry_interval_scale = retry_interval_scale
        self._held: Any = None
        self._held_lock = threading.RLock()
        self._held_used = 0.0
        self._idle_timer: threading.Timer | None = None
        self.standbys = StandbySlot() if warm_workers else None
        """Where the next attempt's warm worker waits; None when workers start cold."""
        self.compression = compression
        """The warehouse compression to store before the first attempt; None keeps the file's."""
        self._compression_settled = compression is None

    def _options(self, on_event: EventHandler | None = None) -> Any:
        from cdpo.targets.local.runner import AttemptOptions

        return AttemptOptions(self.warehouse_path, self.replay, on_event, self.retry_interval_scale)

    def prepare_attempts(self) -> None:
        """Warm the first attempt's worker up while the run checks and generates."""
        if self.standbys is not None:
            self.standbys.refill()

    def close(self) -> None:
        if self.standbys is not None:
            self.standbys.close()
        self.release_warehouse()
        self.store.close()

    def __enter__(self) -> LocalTarget:
        return self

    # -- workflows ------------------------------------------------------------------------------

    def push(self, project_dir: Path, project: str | None = None) -> Revision:
        from cdpo.targets.local.runner import push_project

        project_dir = Path(project_dir).resolve()
        name = project or project_dir.name
        project_id, revision, workflows = push_project(self.store, project_dir, name)
        return Revision(name, revision, str(project_id), tuple(workflows))

    def _start(
        self,
        project: str,
        workflow: str,
        params: Mapping[str, Any] | None,
        session_time: datetime | None,
        rerun: bool,
    ) -> tuple[int, int]:
        from cdpo.targets.local.runner import start_attempt

        return start_attempt(
            self.store,
            project,
            workflow.removesuffix(".dig"),
            dict(params or {}),
            session_time or _now_second(),
            rerun=rerun,
        )

    def start(
        self,
        project: str,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        session_time: datetime | None = None,
    ) -> SessionRef:
        _, attempt_id = self._start(project, workflow, params, session_time, rerun=False)
        self._spawn(attempt_id)
        return self._ref(attempt_id)

    def rerun(
        self,
        project: str,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        session_time: datetime | None = None,
    ) -> SessionRef:
        """Like ``start``, but a session that exists gets a new attempt of all its tasks (Digdag's
        ``retryAttemptName``; ``cdpo server`` uses it) instead of a ``ConflictError``.
        """
        _, attempt_id = self._start(project, workflow, params, session_time, rerun=True)
        self._spawn(attempt_id)
        return self._ref(attempt_id)

    def run(
        self,
        project: str,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        session_time: datetime | None = None,
        on_event: EventHandler | None = None,
    ) -> Attempt:
        """Run a session in this process (a new attempt if the session exists) and return it."""
        from cdpo.targets.local.runner import run_attempt

        _, attempt_id = self._start(project, workflow, params, session_time, rerun=True)
        if on_event is not None:
            on_event("attempt", str(attempt_id), None)
        self._hand_over_warehouse()
        run_attempt(self.store, attempt_id, self._options(on_event))
        return self.attempt(str(attempt_id))

    def retry(self, attempt_id: str) -> SessionRef:
        new_id = self._retry_attempt(attempt_id)
        self._spawn(new_id)
        return self._ref(new_id)

    def resume(self, attempt_id: str, on_event: EventHandler | None = None) -> Attempt:
        """Like ``retry`` but runs the new attempt in this process; returns it when done."""
        from cdpo.targets.local.runner import run_attempt

        new_id = self._retry_attempt(attempt_id)
        if on_event is not None:
            on_event("attempt", str(new_id), None)
        self._hand_over_warehouse()
        run_attempt(self.store, new_id, self._options(on_event))
        return self.attempt(str(new_id))

    def _retry_attempt(self, attempt_id: str) -> int:
        """A new attempt of the same session and revision that skips the tasks that succeeded."""
        row = self._reaped(int(attempt_id))
        if not row["done"]:
            raise TransientTargetError(
                f"attempt {attempt_id} is still running; kill it or wait for it first"
            )
        return self.store.create_attempt(
            int(row["session_id"]),
            row["revision"],
            json.loads(row["params"]),
            f"retry-{attempt_id}",
            resume_from=int(attempt_id),
        )

    def _spawn(self, attempt_id: int) -> None:
        from cdpo.targets.local.worker import spawn

        self._hand_over_warehouse()
        standby = self.standbys.take() if self.standbys is not None else None
        pid = spawn(self.root, attempt_id, self._options(), standby)
        self.store.set_attempt(attempt_id, pid=pid)
        if self.standbys is not None:
            self.standbys.refill()  # warms up while this attempt runs

    def _ref(self, attempt_id: int) -> SessionRef:
        row = self.store.attempt(attempt_id)
        return SessionRef(str(row["session_id"]), str(attempt_id), row["session_time"])

    # -- monitoring -----------------------------------------------------------------------------

    def attempt(self, attempt_id: str) -> Attempt:
        row = self._reaped(int(attempt_id))
        status = AttemptStatus.derive(
            done=bool(row["done"]),
            success=bool(row["success"]),
            cancel_requested=bool(row["cancel_requested"]),
        )
        tasks = tuple(
            TaskInfo(
                str(t["id"]),
                t["full_name"],
                TaskState(t["state"]),
                str(t["parent_id"]) if t["parent_id"] is not None else None,
                t["started_at"],
                t["updated_at"],
                t["error"],
            )
            for t in self.store.tasks(int(attempt_id))
        )
        return Attempt(
            str(row["id"]),
            str(row["session_id"]),
            row["project"],
            row["workflow"],
            status,
            row["session_time"],
            row["created_at"],
            row["finished_at"],
            tasks,
        )

    def _reaped(self, attempt_id: int) -> Any:
        """The attempt row, after settling a worker that died, or that ignored a kill for
        ``KILL_GRACE_SECONDS`` (a task that cannot be interrupted): it is terminated.
        """
        row = self.store.attempt(attempt_id)
        if row["done"] or not row["pid"]:
            return row
        pid = int(row["pid"])
        if not _alive(pid):
            time.sleep(_POLL_SECONDS)  # it may have finished its last write just now
            if not self.store.attempt(attempt_id)["done"]:
                self.store.abandon_attempt(attempt_id, "worker process exited without finishing")
        elif row["cancel_requested"] and time.time() - row["cancel_requested"] > KILL_GRACE_SECONDS:
            _terminate(pid)
            self.store.abandon_attempt(
                attempt_id, f"killed: worker terminated after {KILL_GRACE_SECONDS:g}s"
            )
        return self.store.attempt(attempt_id)

    def wait(self, attempt_id: str, timeout: float = DEFAULT_WAIT_TIMEOUT) -> Attempt:
        """Poll until the attempt is done.

        Raises:
            TransientTargetError: still running after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            attempt = self.attempt(attempt_id)
            if attempt.done:
                return attempt
            if time.monotonic() > deadline:
                raise TransientTargetError(f"attempt {attempt_id} still running after {timeout:g}s")
            time.sleep(_POLL_SECONDS)

    def wait_between_polls(self, attempt_id: str, seconds: float) -> None:
        """Sleep, but wake when the attempt's worker exits: it records the end just before, so
        the next poll sees it without waiting out the interval.
        """
        pid = self.store.attempt(int(attempt_id))["pid"]
        if pid:
            try:
                exited = os.pidfd_open(int(pid))
            except ProcessLookupError:
                return  # gone already: the next poll settles the attempt
            except (AttributeError, OSError):
                pass  # no pidfd (not Linux): sleep
            else:
                try:
                    select.select([exited], [], [], seconds)
                finally:
                    os.close(exited)
                return
        time.sleep(seconds)

    def logs(self, attempt_id: str, task: str | None = None) -> str:
        self.store.attempt(int(attempt_id))
        rows = self.store.logs(int(attempt_id), task)
        return "\n".join(f"{r['at']} ({r['full_name'] or '-'}) {r['text']}" for r in rows)

    def kill(self, attempt_id: str) -> None:
        row = self.store.attempt(int(attempt_id))
        if not row["done"] and not row["cancel_requested"]:
            # The request time (unix seconds) lets ``attempt`` escalate after KILL_GRACE_SECONDS.
            self.store.set_attempt(int(attempt_id), cancel_requested=int(time.time()))

    def sessions(self) -> list[dict[str, Any]]:
        """Every session with its last attempt's status, oldest first (``cdpo digdag sessions``)."""
        found = []
        for row in self.store.sessions():
            status = self.attempt(str(row["attempt_id"])).status if row["attempt_id"] else None
            found.append(
                {
                    "session_id": str(row["id"]),
                    "project": row["project"],
                    "workflow": row["workflow"],
                    "session_time": row["session_time"],
                    "attempt_id": str(row["attempt_id"]),
                    "status": status.value if status else "pending",
                }
            )
        return found

    # -- warehouse ------------------------------------------------------------------------------

    @contextmanager
    def _warehouse(self) -> Iterator[Any]:
        """The warehouse, kept open across calls that follow each other closely.

        Opening installs TD's functions (tens of milliseconds), and a VALIDATE step makes dozens
        of calls. DuckDB lets one process write the file, so it is released before a worker
        starts, after a failed call (no half-done state carries over; a table or database not
        found is no failure of the warehouse), and after
        ``WAREHOUSE_IDLE_SECONDS`` without a call (a user inspecting the file from another
        process while cdpo waits for an answer is not kept waiting).
        """
        from cdpo.targets.local.warehouse import Warehouse

        with self._held_lock:
            if self._held is None:
                held = Warehouse(self.warehouse_path, lock_timeout=DEFAULT_CALL_TIMEOUT)
                self._held = held.open()
                self._settle_compression(held)
            try:
                yield self._held
            except NotFoundError:  # a lookup that found nothing left nothing half-done
                self._mark_used()
                raise
            except BaseException:
                self.release_warehouse()
                raise
            self._mark_used()

    def _settle_compression(self, held: Any) -> None:
        """Store the chosen compression in the file once, so every worker writes with it."""
        if not self._compression_settled and self.compression is not None:
            try:
                if held.compression != self.compression:
                    held.set_compression(self.compression)
            except BaseException:
                self.release_warehouse()
                raise
            self._compression_settled = True

    def _hand_over_warehouse(self) -> None:
        """Release the file for an attempt, the chosen compression stored first."""
        if not self._compression_settled:
            with self._warehouse():
                pass
        self.release_warehouse()

    def _mark_used(self) -> None:
        self._held_used = time.monotonic()
        if self._idle_timer is None:
            self._arm_idle_timer(WAREHOUSE_IDLE_SECONDS)

    def _arm_idle_timer(self, delay: float) -> None:
        self._idle_timer = threading.Timer(delay, self._release_idle)
        self._idle_timer.daemon = True
        self._idle_timer.start()

    def _release_idle(self) -> None:
        with self._held_lock:
            self._idle_timer = None
            idle = time.monotonic() - self._held_used
            if self._held is not None and idle < WAREHOUSE_IDLE_SECONDS:
                self._arm_idle_timer(WAREHOUSE_IDLE_SECONDS - idle)
                return
            self.release_warehouse()

    def release_warehouse(self) -> None:
        """Close the warehouse file if this target holds it open (a worker needs it)."""
        with self._held_lock:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            if self._held is not None:
                self._held.close()
                self._held = None

    def query(self, sql: str, database: str | None = None) -> QueryResult:
        with self._warehouse() as wh:
            return wh.query(sql, database)

    def query_arrow(self, sql: str, database: str | None = None) -> pa.Table:
        with self._warehouse() as wh:
            return wh.query_arrow(sql, database)

    def tables(self, database: str) -> list[TableInfo]:
        from cdpo.targets.local.warehouse import tables

        with self._warehouse() as wh:
            return tables(wh, database)

    def columns(self, database: str, table: str) -> list[Column]:
        from cdpo.targets.local.warehouse import columns

        with self._warehouse() as wh:
            return columns(wh, database, table)

    def databases(self) -> list[str]:
        with self._warehouse() as wh:
            return list(wh.databases())

    def create_database(self, name: str) -> None:
        with self._warehouse() as wh:
            wh.create_database(name)


def _terminate(pid: int) -> None:
    """Kill the worker's process group (it runs in its own session), ignoring one already gone."""
    import signal

    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    _alive(pid)  # reap it


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
