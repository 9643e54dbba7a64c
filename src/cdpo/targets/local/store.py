"""The local runtime's SQLite store (``.cdpo/digdag.sqlite``): projects and revisions, sessions,
attempts, tasks with Digdag's state names, and per-task logs, all with numeric ids.

The worker process writes while callers read, so the database runs in WAL mode and every
statement commits at once. Shapes mirror Digdag's REST resources (reference §A.2).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cdpo.errors import ConflictError, NotFoundError, StateError

__all__ = ["AttemptRecorder", "Store", "now_iso"]

STORE_FILE = "digdag.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revisions (
  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, revision TEXT NOT NULL, archive BLOB NOT NULL,
  workflows TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (project_id, revision));
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, workflow TEXT NOT NULL, session_time TEXT NOT NULL,
  uuid TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (project_id, workflow, session_time));
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, revision TEXT NOT NULL, params TEXT NOT NULL,
  retry_name TEXT, resume_from INTEGER, done INTEGER NOT NULL DEFAULT 0, success INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0, pid INTEGER, error TEXT,
  created_at TEXT NOT NULL, finished_at TEXT);
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL, parent_id INTEGER, full_name TEXT NOT NULL,
  state TEXT NOT NULL, config TEXT NOT NULL, upstreams TEXT NOT NULL, store TEXT, error TEXT,
  started_at TEXT, updated_at TEXT NOT NULL, UNIQUE (attempt_id, full_name));
CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL, task_id INTEGER, at TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_attempt ON logs (attempt_id, id);
"""


def now_iso() -> str:
    """Now as Digdag's REST API writes timestamps (UTC, seconds, ``Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """One SQLite file; thread-safe (one connection behind a lock), shared by worker and callers."""

    def __init__(self, root: Path) -> None:
        self.directory = Path(root) / ".cdpo"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / STORE_FILE
        try:
            self._db = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; fewer fsyncs
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise StateError(f"cannot open the runtime store {self.path}: {error}") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Run one statement and return its rows (committed at once)."""
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as error:
                raise StateError(f"runtime store {self.path}: {error}") from None

    def insert(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._lock:
            try:
                cursor = self._db.execute(sql, args)
            except sqlite3.IntegrityError as error:
                raise ConflictError(f"runtime store: {error}") from None
            except sqlite3.Error as error:
                raise StateError(f"runtime store {self.path}: {error}") from None
            return int(cursor.lastrowid or 0)

    def one(self, sql: str, args: tuple[Any, ...], what: str) -> sqlite3.Row:
        rows = self.execute(sql, args)
        if not rows:
            raise NotFoundError(f"{what} not found")
        return rows[0]

    # -- projects -------------------------------------------------------------------------------

    def put_revision(self, name: str, revision: str, archive: bytes, workflows: list[str]) -> int:
        """Record a project revision (idempotent); the project's id."""
        stamp = now_iso()
        self.execute(
            "INSERT INTO projects (name, created_at, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at",
            (name, stamp, stamp),
        )
        project_id = int(
            self.one("SELECT id FROM projects WHERE name = ?", (name,), f"project {name}")["id"]
        )
        self.execute(
            "INSERT OR IGNORE INTO revisions (project_id, revision, archive, workflows, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (project_id, revision, archive, json.dumps(workflows), stamp),
        )
        return project_id

    def project(self, name: str) -> sqlite3.Row:
        return self.one("SELECT * FROM projects WHERE name = ?", (name,), f"project '{name}'")

    def latest_revision(self, project_id: int) -> sqlite3.Row:
        return self.one(
            "SELECT * FROM revisions WHERE project_id = ? ORDER BY id DESC LIMIT 1",
            (project_id,),
            f"revision of project {project_id}",
        )

    def revision(self, project_id: int, revision: str) -> sqlite3.Row:
        return self.one(
            "SELECT * FROM revisions WHERE project_id = ? AND revision = ?",
            (project_id, revision),
            f"revision {revision}",
        )

    # -- sessions and attempts ------------------------------------------------------------------

    def session_by_time(
        self, project_id: int, workflow: str, session_time: str
    ) -> sqlite3.Row | None:
        rows = self.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND workflow = ? AND session_time = ?",
            (project_id, workflow, session_time),
        )
        return rows[0] if rows else None

    def create_session(self, project_id: int, workflow: str, session_time: str) -> int:
        import uuid

        return self.insert(
            "INSERT INTO sessions (project_id, workflow, session_time, uuid, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (project_id, workflow, session_time, str(uuid.uuid4()), now_iso()),
        )

    def create_attempt(
        self,
        session_id: int,
        revision: str,
        params: Mapping[str, Any],
        retry_name: str | None = None,
        resume_from: int | None = None,
    ) -> int:
        return self.insert(
            "INSERT INTO attempts (session_id, revision, params, retry_name, resume_from, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                session_id,
                revision,
                json.dumps(dict(params), default=str),
                retry_name,
                resume_from,
                now_iso(),
            ),
        )

    def attempt(self, attempt_id: int) -> sqlite3.Row:
        return self.one(
            "SELECT a.*, s.workflow, s.session_time, s.uuid, s.project_id, p.name AS project "
            "FROM attempts a JOIN sessions s ON s.id = a.session_id JOIN projects p ON p.id = s.project_id "
            "WHERE a.id = ?",
            (attempt_id,),
            f"attempt {attempt_id}",
        )

    def attempts_of_session(self, session_id: int) -> list[sqlite3.Row]:
        return self.execute(
            "SELECT * FROM attempts WHERE session_id = ? ORDER BY id", (session_id,)
        )

    def sessions(self) -> list[sqlite3.Row]:
        return self.execute(
            "SELECT s.*, p.name AS project, (SELECT MAX(id) FROM attempts a WHERE a.session_id = s.id) "
            "AS attempt_id FROM sessions s JOIN projects p ON p.id = s.project_id ORDER BY s.id"
        )

    def set_attempt(self, attempt_id: int, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        self.execute(f"UPDATE attempts SET {columns} WHERE id = ?", (*fields.values(), attempt_id))

    def finish_attempt(self, attempt_id: int, success: bool, error: str | None = None) -> None:
        self.set_attempt(
            attempt_id, done=1, success=int(success), error=error, finished_at=now_iso()
        )

    def abandon_attempt(self, attempt_id: int, error: str) -> None:
        """End an attempt whose worker is gone: unfinished tasks become ``canceled``."""
        self.execute(
            "UPDATE tasks SET state = 'canceled', updated_at = ? WHERE attempt_id = ? AND state "
            "NOT IN ('success', 'error', 'group_error', 'canceled')",
            (now_iso(), attempt_id),
        )
        self.finish_attempt(attempt_id, False, error)

    # -- tasks and logs -------------------------------------------------------------------------

    def tasks(self, attempt_id: int) -> list[sqlite3.Row]:
        return self.execute("SELECT * FROM tasks WHERE attempt_id = ? ORDER BY id", (attempt_id,))

    def logs(self, attempt_id: int, task_prefix: str | None = None) -> list[sqlite3.Row]:
        rows = self.execute(
            "SELECT l.at, l.text, t.full_name FROM logs l LEFT JOIN tasks t ON t.id = l.task_id "
            "WHERE l.attempt_id = ? ORDER BY l.id",
            (attempt_id,),
        )
        if task_prefix:
            rows = [r for r in rows if (r["full_name"] or "").startswith(task_prefix)]
        return rows


class AttemptRecorder:
    """The executor's ``Recorder`` for one attempt; on a resumed attempt, succeeded tasks of the
    attempt it resumes are skipped and their stored params reused (Digdag ``resume: failed``).
    """

    def __init__(self, store: Store, attempt_id: int, resume_from: int | None = None) -> None:
        self.store = store
        self.attempt_id = attempt_id
        self._previous: dict[str, dict[str, Any]] = {}
        if resume_from is not None:
            for row in store.tasks(resume_from):
                if row["state"] == "success":
                    self._previous[row["full_name"]] = json.loads(row["store"] or "{}")

    def ensure_task(
        self, full_name: str, parent_id: int | None, config: Mapping[str, Any], upstreams: list[int]
    ) -> int:
        stamp = now_iso()
        self.store.execute(
            "INSERT INTO tasks (attempt_id, parent_id, full_name, state, config, upstreams, updated_at) "
            "VALUES (?, ?, ?, 'blocked', ?, ?, ?) ON CONFLICT (attempt_id, full_name) DO UPDATE SET "
            "state = 'blocked', error = NULL, updated_at = excluded.updated_at",
            (
                self.attempt_id,
                parent_id,
                full_name,
                json.dumps(dict(config), default=str),
                json.dumps(upstreams),
                stamp,
            ),
        )
        row = self.store.one(
            "SELECT id FROM tasks WHERE attempt_id = ? AND full_name = ?",
            (self.attempt_id, full_name),
            f"task {full_name}",
        )
        return int(row["id"])

    def set_state(
        self,
        task_id: int,
        state: str,
        *,
        error: str | None = None,
        store: Mapping[str, Any] | None = None,
    ) -> None:
        stamp = now_iso()
        self.store.execute(
            "UPDATE tasks SET state = ?, error = COALESCE(?, error), store = COALESCE(?, store), "
            "updated_at = ?, started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? "
            "ELSE started_at END WHERE id = ?",
            (
                state,
                error,
                json.dumps(dict(store), default=str) if store is not None else None,
                stamp,
                state,
                stamp,
                task_id,
            ),
        )

    def log(self, task_id: int, text: str) -> None:
        self.store.insert(
            "INSERT INTO logs (attempt_id, task_id, at, text) VALUES (?, ?, ?, ?)",
            (self.attempt_id, task_id, now_iso(), text),
        )

    def resumed_store(self, full_name: str) -> dict[str, Any] | None:
        return self._previous.get(full_name)
