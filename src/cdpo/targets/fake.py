"""``FakeTarget``: a real in-memory ``Target`` with failure knobs, for orchestrator tests.

As httpx's ``MockTransport(handler)``: every method runs its default in-memory behaviour unless
``handlers`` maps its name to a function taking the same arguments; a handler may raise (to inject a
failure) or call ``target.default(name, *args)`` to fall through. Tables live in an in-memory
DuckDB (a TD database = a schema), so ``query``, ``tables`` and ``columns`` answer real SQL.

Knobs: ``polls`` (how many ``attempt`` calls an attempt stays running; ``-1`` = forever),
``outcomes`` (workflow name → final ``AttemptStatus``), ``effects`` (workflow name → tables its
successful attempt creates, as ``(database, table, rows)``), ``secrets`` (the secret names every
project has). ``calls`` records every call.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError, NotFoundError
from cdpo.targets.base import (
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

__all__ = ["FakeTarget"]

Handler = Callable[..., Any]
# An operator key without its colon (``td> x``): the syntax error spec §1.5 names.
_MISSING_COLON = re.compile(r"^\s*[a-z_]+>\s+\S")


@dataclass
class _FakeAttempt:
    id: str
    session_id: str
    project: str
    workflow: str
    session_time: str
    polls_left: int
    outcome: AttemptStatus
    cancel_requested: bool = False
    status: AttemptStatus = AttemptStatus.RUNNING


class FakeTarget(Target):
    """An in-memory target: projects, sessions and attempts in dicts, tables in DuckDB."""

    name = "fake"
    capabilities = TargetCapabilities(sql_dialect="duckdb", operators=frozenset({"td", "echo"}))

    def __init__(
        self,
        handlers: Mapping[str, Handler] | None = None,
        *,
        polls: int = 1,
        outcomes: Mapping[str, AttemptStatus] | None = None,
        effects: Mapping[str, Sequence[tuple[str, str, int]]] | None = None,
        databases: Iterable[str] = (),
        secrets: Iterable[str] = (),
    ) -> None:
        import duckdb

        self.handlers = dict(handlers or {})
        self.polls = polls
        self.outcomes = dict(outcomes or {})
        self.effects = dict(effects or {})
        self.secret_names = set(secrets)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.projects: dict[str, Revision] = {}
        self._attempts: dict[str, _FakeAttempt] = {}
        self._ids = itertools.count(1)
        self._db = duckdb.connect(":memory:")
        for database in databases:
            self.default("create_database", database)

    def _call(self, method: str, *args: Any) -> Any:
        self.calls.append((method, args))
        handler = self.handlers.get(method)
        return handler(*args) if handler else self.default(method, *args)

    def default(self, method: str, *args: Any) -> Any:
        """The in-memory behaviour of ``method``, for handlers that fall through."""
        return getattr(self, f"_{method}")(*args)

    def called(self, method: str) -> int:
        """How many times ``method`` was called."""
        return sum(1 for name, _ in self.calls if name == method)

    # -- Target --------------------------------------------------------------------------------

    def push(self, project_dir: Path, project: str | None = None) -> Revision:
        return self._call("push", Path(project_dir), project)

    def start(
        self,
        project: str,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        session_time: datetime | None = None,
    ) -> SessionRef:
        return self._call("start", project, workflow, dict(params or {}), session_time)

    def attempt(self, attempt_id: str) -> Attempt:
        return self._call("attempt", attempt_id)

    def logs(self, attempt_id: str, task: str | None = None) -> str:
        return self._call("logs", attempt_id, task)

    def kill(self, attempt_id: str) -> None:
        return self._call("kill", attempt_id)

    def retry(self, attempt_id: str) -> SessionRef:
        return self._call("retry", attempt_id)

    def query(self, sql: str, database: str | None = None) -> QueryResult:
        return self._call("query", sql, database)

    def tables(self, database: str) -> list[TableInfo]:
        return self._call("tables", database)

    def columns(self, database: str, table: str) -> list[Column]:
        return self._call("columns", database, table)

    def databases(self) -> list[str]:
        return self._call("databases")

    def create_database(self, name: str) -> None:
        return self._call("create_database", name)

    def secrets(self, project: str) -> list[str]:
        return self._call("secrets", project)

    # -- defaults ------------------------------------------------------------------------------

    def _push(self, project_dir: Path, project: str | None) -> Revision:
        if not project_dir.is_dir():
            raise NotFoundError(f"project directory {project_dir} does not exist")
        digest = hashlib.sha256()
        for path in sorted(p for p in project_dir.rglob("*") if p.is_file()):
            if path.suffix == ".dig":
                _check_dig(path)
            digest.update(path.relative_to(project_dir).as_posix().encode() + path.read_bytes())
        name = project or project_dir.name
        revision = Revision(
            name, digest.hexdigest()[:12], "1", tuple(self.workflow_names(project_dir))
        )
        self.projects[name] = revision
        return revision

    def _start(
        self, project: str, workflow: str, params: dict[str, Any], session_time: datetime | None
    ) -> SessionRef:
        if project not in self.projects or workflow not in self.projects[project].workflows:
            raise NotFoundError(f"workflow {project}/{workflow} is not pushed")
        when = (session_time or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        session_id = str(next(self._ids))
        return self._new_attempt(session_id, project, workflow, when)

    def _new_attempt(self, session_id: str, project: str, workflow: str, when: str) -> SessionRef:
        attempt_id = str(next(self._ids))
        outcome = self.outcomes.get(workflow, AttemptStatus.SUCCESS)
        self._attempts[attempt_id] = _FakeAttempt(
            attempt_id, session_id, project, workflow, when, self.polls, outcome
        )
        return SessionRef(session_id, attempt_id, when)

    def _attempt(self, attempt_id: str) -> Attempt:
        fake = self._get(attempt_id)
        if fake.status is AttemptStatus.RUNNING:
            if fake.cancel_requested:
                fake.status = AttemptStatus.KILLED
            elif fake.polls_left == 0:
                fake.status = fake.outcome
                if fake.status is AttemptStatus.SUCCESS:
                    self._apply_effects(fake.workflow)
            elif fake.polls_left > 0:
                fake.polls_left -= 1
        return self._describe(fake)

    def _describe(self, fake: _FakeAttempt) -> Attempt:
        state = {
            AttemptStatus.RUNNING: TaskState.RUNNING,
            AttemptStatus.SUCCESS: TaskState.SUCCESS,
            AttemptStatus.ERROR: TaskState.ERROR,
            AttemptStatus.KILLED: TaskState.CANCELED,
        }[fake.status]
        task = TaskInfo(f"{fake.id}-1", f"+{fake.workflow}+build", state)
        return Attempt(
            fake.id,
            fake.session_id,
            fake.project,
            fake.workflow,
            fake.status,
            fake.session_time,
            tasks=(task,),
        )

    def _logs(self, attempt_id: str, task: str | None) -> str:
        fake = self._get(attempt_id)
        lines = [f"{fake.session_time} INFO +{fake.workflow}+build: td>: queries/build.sql"]
        lines += [f"progress line {i}" for i in range(30)]
        if fake.status is AttemptStatus.ERROR:
            lines.append(f"ERROR +{fake.workflow}+build: Table not found: missing_source")
        return "\n".join(lines) + "\n"

    def _kill(self, attempt_id: str) -> None:
        self._get(attempt_id).cancel_requested = True

    def _retry(self, attempt_id: str) -> SessionRef:
        fake = self._get(attempt_id)
        return self._new_attempt(fake.session_id, fake.project, fake.workflow, fake.session_time)

    def _query(self, sql: str, database: str | None) -> QueryResult:
        cursor = self._db.execute(sql)
        columns = tuple(d[0] for d in cursor.description or ())
        return QueryResult(columns, tuple(tuple(r) for r in cursor.fetchall()))

    def _tables(self, database: str) -> list[TableInfo]:
        self._require_database(database)
        names = self._db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1",
            [database],
        ).fetchall()
        return [TableInfo(database, name, self._count(database, name)) for (name,) in names]

    def _count(self, database: str, table: str) -> int:
        return self._db.execute(f'SELECT COUNT(*) FROM "{database}"."{table}"').fetchone()[0]  # type: ignore[index]

    def _columns(self, database: str, table: str) -> list[Column]:
        rows = self._db.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [database, table],
        ).fetchall()
        if not rows:
            raise NotFoundError(f"table {database}.{table} does not exist")
        return [Column(name, kind.lower()) for name, kind in rows]

    def _databases(self) -> list[str]:
        rows = self._db.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'memory' "
            "AND NOT internal ORDER BY 1"
        ).fetchall()
        return [name for (name,) in rows]

    def _secrets(self, project: str) -> list[str]:
        return sorted(self.secret_names)

    def _create_database(self, name: str) -> None:
        self._db.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')

    # -- helpers -------------------------------------------------------------------------------

    def add_table(self, database: str, table: str, rows: int, *, age_days: float = 0) -> None:
        """Create ``database.table`` with ``rows`` rows: ``id``, ``email`` and a ``time`` column."""
        self._create_database(database)
        epoch = int(time.time() - age_days * 86400)
        self._db.execute(
            f'CREATE OR REPLACE TABLE "{database}"."{table}" AS SELECT range AS id, '
            f"'user' || range || '@example.com' AS email, {epoch}::BIGINT AS time FROM range({rows})"
        )

    def _apply_effects(self, workflow: str) -> None:
        for database, table, rows in self.effects.get(workflow, ()):
            self.add_table(database, table, rows)

    def _require_database(self, database: str) -> None:
        if database not in self._databases():
            raise NotFoundError(f"database '{database}' does not exist")

    def _get(self, attempt_id: str) -> _FakeAttempt:
        if attempt_id not in self._attempts:
            raise NotFoundError(f"attempt {attempt_id} does not exist")
        return self._attempts[attempt_id]

    def close(self) -> None:
        """Nothing to release: the in-memory database lives as long as the object (tests reuse it
        across runs, as a real target outlives one ``cdpo run``)."""


def _check_dig(path: Path) -> None:
    """Refuse an operator written without its colon, naming file and line, as a push would."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if _MISSING_COLON.match(line):
            operator = line.strip().split(">")[0]
            raise ConfigError(
                f"syntax error: missing colon after '{operator}>'", file=path, line=number
            )
