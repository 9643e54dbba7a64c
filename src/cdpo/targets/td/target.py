"""``TdTarget``: the ``Target`` interface over TD Workflow (hosted Digdag) and REST API v3.

Deploy = parse the project locally (syntax errors keep their file and line) and push the archive;
``secrets`` lists the names the project has set. Execute = find the workflow id and
``PUT /api/attempts``. Monitor = the attempt and its tasks. Validate = v3 table list and Presto
query jobs. Works the same against Treasure Data and against ``cdpo server`` on loopback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from cdpo.config import RegionHosts
from cdpo.errors import NotFoundError
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
from cdpo.targets.td.archive import build_archive
from cdpo.targets.td.auth import api_key_from_env
from cdpo.targets.td.transport import DEFAULT_RETRY, RetryPolicy, Transport
from cdpo.targets.td.v3 import DEFAULT_JOB_POLL_SECONDS, DEFAULT_QUERY_TIMEOUT, V3Client
from cdpo.targets.td.workflow import OnConflict, WorkflowClient

__all__ = ["TdTarget"]


class TdTarget(Target):
    """Treasure Data through its REST APIs at ``hosts.api`` (v3) and ``hosts.workflow`` (Digdag).

    ``on_conflict`` says what ``start`` does when the session already exists (``OnConflict``);
    ``retry``, ``sleep`` and ``poll_seconds`` are injectable so tests never wait.
    """

    name: ClassVar[str] = "td"
    capabilities: ClassVar[TargetCapabilities] = TargetCapabilities(sql_dialect="trino")

    def __init__(
        self,
        hosts: RegionHosts,
        *,
        api_key: str | None = None,
        default_database: str | None = None,
        on_conflict: OnConflict | str = OnConflict.RESUME,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = DEFAULT_JOB_POLL_SECONDS,
        query_timeout: float = DEFAULT_QUERY_TIMEOUT,
    ) -> None:
        key = api_key or api_key_from_env()
        options: dict[str, Any] = {"timeout": timeout, "retry": retry, "sleep": sleep}
        self.workflow = WorkflowClient(Transport(hosts.workflow, key, **options))
        self.v3 = V3Client(
            Transport(hosts.api, key, **options), poll_seconds=poll_seconds, sleep=sleep
        )
        self.default_database = default_database
        self.on_conflict = OnConflict(on_conflict)
        self.query_timeout = query_timeout

    @classmethod
    def for_pipeline(cls, pipeline: Any, root: Path, **options: Any) -> TdTarget:
        """The target of a ``target: td`` pipeline: its region's hosts (or explicit endpoints),
        the key from ``TD_API_KEY``, its source database for queries that name none, and its
        ``td.on_conflict`` choice when pipeline.yml has one (else ``resume``).
        """
        on_conflict = getattr(pipeline.td, "on_conflict", None) or OnConflict.RESUME
        return cls(
            pipeline.td.hosts,
            default_database=pipeline.databases.src,
            on_conflict=on_conflict,
            **options,
        )

    def close(self) -> None:
        self.workflow.http.close()
        self.v3.http.close()

    def __enter__(self) -> TdTarget:
        return self

    # -- deploy ---------------------------------------------------------------------------------

    def push(self, project_dir: Path, project: str | None = None) -> Revision:
        """Parse the workflows here first, so a syntax error keeps its file and line, then push.

        Secrets are not checked here: DEPLOY compares the project's references with ``secrets``.

        Raises:
            ConfigError: a workflow does not parse (file and line named).
        """
        from cdpo.targets.local.digdag import Project

        project_dir = Path(project_dir)
        name = project or project_dir.resolve().name
        Project.load(project_dir)
        archive = build_archive(project_dir)
        pushed = self.workflow.push(name, archive)
        return Revision(name, str(pushed["revision"]), str(pushed["id"]), archive.workflows)

    def secrets(self, project: str) -> list[str]:
        return self.workflow.secrets(str(self.workflow.project(project)["id"]))

    # -- execute and monitor --------------------------------------------------------------------

    def start(
        self,
        project: str,
        workflow: str,
        params: Mapping[str, Any] | None = None,
        session_time: datetime | None = None,
    ) -> SessionRef:
        project_id = str(self.workflow.project(project)["id"])
        workflow_id = str(self.workflow.workflow(project_id, workflow.removesuffix(".dig"))["id"])
        when = session_time or datetime.now(UTC).replace(microsecond=0)
        started = self.workflow.start_attempt(
            workflow_id,
            when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            dict(params or {}),
            on_conflict=self.on_conflict,
        )
        return _ref(started)

    def retry(self, attempt_id: str) -> SessionRef:
        return _ref(self.workflow.retry_failed(attempt_id))

    def attempt(self, attempt_id: str) -> Attempt:
        body = self.workflow.attempt(attempt_id)
        tasks = tuple(_task(t) for t in self.workflow.tasks(attempt_id))
        return Attempt(
            id=str(body["id"]),
            session_id=str(body["sessionId"]),
            project=str(body["project"]["name"]),
            workflow=str(body["workflow"]["name"]),
            status=AttemptStatus.derive(
                done=bool(body.get("done")),
                success=bool(body.get("success")),
                cancel_requested=bool(body.get("cancelRequested")),
            ),
            session_time=str(body["sessionTime"]),
            created_at=body.get("createdAt"),
            finished_at=body.get("finishedAt"),
            tasks=tasks,
        )

    def logs(self, attempt_id: str, task: str | None = None) -> str:
        return self.workflow.logs(attempt_id, task)

    def kill(self, attempt_id: str) -> None:
        self.workflow.kill(attempt_id)

    # -- warehouse ------------------------------------------------------------------------------

    def query(self, sql: str, database: str | None = None) -> QueryResult:
        chosen = database or self.default_database
        if not chosen:
            raise NotFoundError(
                "a TD query job runs in a database, and none was given",
                hint="Pass database=..., or open the target from a pipeline.yml.",
            )
        return self.v3.query(sql, chosen, self.query_timeout)

    def tables(self, database: str) -> list[TableInfo]:
        return [
            TableInfo(
                database,
                str(t["name"]),
                int(t.get("count") or 0),
                tuple(V3Client.schema_columns(t)),
            )
            for t in sorted(self.v3.tables(database), key=lambda t: str(t["name"]))
        ]

    def columns(self, database: str, table: str) -> list[Column]:
        for listed in self.v3.tables(database):
            if listed["name"] == table:
                return V3Client.schema_columns(listed)
        raise NotFoundError(f"table {database}.{table} not found")

    def databases(self) -> list[str]:
        return self.v3.databases()

    def create_database(self, name: str) -> None:
        self.v3.create_database(name)


def _ref(attempt: Mapping[str, Any]) -> SessionRef:
    return SessionRef(str(attempt["sessionId"]), str(attempt["id"]), str(attempt["sessionTime"]))


def _task(body: Mapping[str, Any]) -> TaskInfo:
    """A ``RestTask`` as a ``TaskInfo``; its ``error`` config's ``message`` becomes the error text."""
    error = body.get("error") or {}
    message = error.get("message") if isinstance(error, Mapping) else str(error)
    parent = body.get("parentId")
    return TaskInfo(
        id=str(body["id"]),
        full_name=str(body["fullName"]),
        state=TaskState(str(body["state"])),
        parent_id=str(parent) if parent is not None else None,
        started_at=body.get("startedAt"),
        updated_at=body.get("updatedAt"),
        error=message or None,
    )
