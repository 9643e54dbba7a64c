"""``WorkflowClient``: TD Workflow's REST API (hosted Digdag, ``/api/…``), one method per call.

Endpoints, bodies and responses are Digdag's (``digdag-docs/src/_extra/api/swagger.yaml``,
``DigdagClient.java``; reference §A.2–§A.5). Ids are JSON strings. Responses are returned as the
server's dicts; ``TdTarget`` turns them into the ``Target`` dataclasses.
"""

from __future__ import annotations

import gzip
import logging
import uuid
from enum import StrEnum
from typing import Any

from cdpo.errors import ConflictError, NotFoundError, TerminalTargetError
from cdpo.targets.td.archive import ProjectArchive
from cdpo.targets.td.auth import LOGGER_NAME
from cdpo.targets.td.transport import Transport

__all__ = ["OnConflict", "WorkflowClient"]

log = logging.getLogger(LOGGER_NAME)


class OnConflict(StrEnum):
    """What ``start_attempt`` does when a session for that session time already exists (409).

    ``resume`` follows the existing attempt (idempotent start); ``retry`` starts a new attempt of
    the same session under a fresh ``retryAttemptName``; ``error`` raises ``ConflictError``.
    """

    RESUME = "resume"
    RETRY = "retry"
    ERROR = "error"


class WorkflowClient:
    """Calls of the Digdag REST API over one ``Transport`` (the workflow host, ``/api`` paths)."""

    def __init__(self, transport: Transport) -> None:
        self.http = transport

    # -- projects and workflows -----------------------------------------------------------------

    def push(self, project: str, archive: ProjectArchive) -> dict[str, Any]:
        """``PUT /api/projects?project=&revision=`` with the tar.gz; the ``RestProject``."""
        return dict(
            self.http.json(
                "PUT",
                "/api/projects",
                params={"project": project, "revision": archive.revision},
                content=archive.data,
                headers={"Content-Type": "application/gzip"},
            )
        )

    def project(self, name: str) -> dict[str, Any]:
        """The project named ``name`` (``GET /api/projects?name=``).

        Raises:
            NotFoundError: no project has that name.
        """
        found = self.http.json("GET", "/api/projects", params={"name": name})["projects"]
        exact = [p for p in found if p.get("name") == name]
        if not exact:
            raise NotFoundError(
                f"project '{name}' not found on {self.http.base_url}",
                hint="Push it first (cdpo run deploys every phase before it starts it).",
            )
        return dict(exact[0])

    def workflows(self, project_id: str) -> list[dict[str, Any]]:
        """The workflows of the project's latest revision."""
        body = self.http.json("GET", f"/api/projects/{project_id}/workflows")
        return list(body["workflows"])

    def workflow(self, project_id: str, name: str) -> dict[str, Any]:
        """One workflow of a project (``GET /api/projects/{id}/workflows/{name}``)."""
        return dict(self.http.json("GET", f"/api/projects/{project_id}/workflows/{name}"))

    def secrets(self, project_id: str) -> list[str]:
        """Names of the project's secrets (the API never returns their values)."""
        body = self.http.json("GET", f"/api/projects/{project_id}/secrets")
        return sorted(str(s["key"]) for s in body.get("secrets", []))

    # -- attempts -------------------------------------------------------------------------------

    def start_attempt(
        self,
        workflow_id: str,
        session_time: str,
        params: dict[str, Any] | None = None,
        *,
        retry_attempt_name: str | None = None,
        resume_failed_of: str | None = None,
        on_conflict: OnConflict = OnConflict.RESUME,
    ) -> dict[str, Any]:
        """``PUT /api/attempts``; the new (or, on a 409 with ``resume``, existing) attempt.

        ``params`` is always sent, ``{}`` when empty: Digdag's ``RestSessionAttemptRequest``
        requires it. A 409 carries the existing attempt as its body (reference §A.2).

        Raises:
            ConflictError: a session for ``session_time`` exists and ``on_conflict`` is ``error``.
            NotFoundError: the workflow id is unknown.
        """
        body: dict[str, Any] = {
            "workflowId": str(workflow_id),
            "sessionTime": session_time,
            "params": dict(params or {}),
        }
        if retry_attempt_name:
            body["retryAttemptName"] = retry_attempt_name
        if resume_failed_of:
            body["resume"] = {"mode": "failed", "attemptId": str(resume_failed_of)}
        response = self.http.request("PUT", "/api/attempts", json=body, accept=(409,))
        if response.status_code != 409:
            return dict(response.json())
        existing = dict(response.json())
        return self._on_conflict(body, existing, on_conflict)

    def _on_conflict(
        self, body: dict[str, Any], existing: dict[str, Any], on_conflict: OnConflict
    ) -> dict[str, Any]:
        what = (
            f"a session for session time {existing.get('sessionTime', body['sessionTime'])} "
            f"already exists (session_id={existing.get('sessionId')}, "
            f"attempt_id={existing.get('id')})"
        )
        if on_conflict is OnConflict.RESUME:
            log.info("%s: following that attempt", what)
            return existing
        if on_conflict is OnConflict.RETRY and "resume" not in body:
            body = {**body, "retryAttemptName": f"cdpo-{uuid.uuid4().hex[:12]}"}
            log.info("%s: starting attempt %s", what, body["retryAttemptName"])
            return dict(self.http.json("PUT", "/api/attempts", json=body))
        raise ConflictError(
            what, hint=f"Retry that attempt instead (its id is {existing.get('id')})."
        )

    def attempt(self, attempt_id: str) -> dict[str, Any]:
        """``GET /api/attempts/{id}``: the ``RestSessionAttempt``."""
        return dict(self.http.json("GET", f"/api/attempts/{attempt_id}"))

    def tasks(self, attempt_id: str) -> list[dict[str, Any]]:
        """``GET /api/attempts/{id}/tasks``: every task with its state."""
        return list(self.http.json("GET", f"/api/attempts/{attempt_id}/tasks")["tasks"])

    def kill(self, attempt_id: str) -> bool:
        """``POST /api/attempts/{id}/kill``; False when the attempt had already finished (409)."""
        response = self.http.request(
            "POST", f"/api/attempts/{attempt_id}/kill", json={}, accept=(409,)
        )
        return response.status_code != 409

    def retry_failed(self, attempt_id: str) -> dict[str, Any]:
        """A new attempt of the same session that resumes from the failed tasks.

        Digdag needs a fresh ``retryAttemptName`` for every further attempt of a session
        (``td wf retry --resume``).
        """
        previous = self.attempt(attempt_id)
        if not previous.get("done"):
            raise TerminalTargetError(
                f"attempt {attempt_id} is still running; kill it or wait for it first"
            )
        return self.start_attempt(
            str(previous["workflow"]["id"]),
            str(previous["sessionTime"]),
            dict(previous.get("params") or {}),
            retry_attempt_name=f"retry-{attempt_id}-{uuid.uuid4().hex[:8]}",
            resume_failed_of=attempt_id,
            on_conflict=OnConflict.ERROR,
        )

    # -- logs -----------------------------------------------------------------------------------

    def log_files(self, attempt_id: str, task: str | None = None) -> list[dict[str, Any]]:
        """The attempt's log files, oldest first; ``task`` keeps tasks whose name starts with it.

        ``direct_download=false`` asks for files through the API instead of presigned URLs, which
        proxies and PrivateConnect hosts cannot reach (reference §A.5).
        """
        params = {"direct_download": "false", **({"task": task} if task else {})}
        body = self.http.json("GET", f"/api/logs/{attempt_id}/files", params=params)
        return sorted(body.get("files", []), key=lambda f: (f.get("fileTime") or "", f["fileName"]))

    def log_file(self, attempt_id: str, file_name: str) -> str:
        """One log file's text (the API serves it gzip'd)."""
        response = self.http.request("GET", f"/api/logs/{attempt_id}/files/{file_name}")
        try:
            return gzip.decompress(response.content).decode("utf-8", "replace")
        except (OSError, EOFError) as error:
            raise TerminalTargetError(
                f"log file {file_name} of attempt {attempt_id} is not gzip: {error}"
            ) from None

    def logs(self, attempt_id: str, task: str | None = None) -> str:
        """Every log file of the attempt (or of tasks under ``task``), concatenated in time order."""
        texts = [self.log_file(attempt_id, f["fileName"]) for f in self.log_files(attempt_id, task)]
        return "".join(t if t.endswith("\n") else t + "\n" for t in texts if t)
