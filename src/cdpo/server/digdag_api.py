"""Digdag's REST API (``/api/…``) over the local runtime: projects, workflows, attempts, tasks,
logs, sessions and secrets, with Digdag's bodies and status codes (reference §A.2–§A.5).

Deviations, all harmless to clients: the revision a push is stored under is the content hash (the
same one cdpo's client sends), log files are never offered as presigned ``direct`` URLs, and
secrets are the local runtime's (``td.apikey`` from ``TD_API_KEY``, others ``CDPO_SECRET_*``).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from cdpo.errors import ConfigError, ConflictError, NotFoundError
from cdpo.server.resources import (
    attempt_body,
    decode_workflow_id,
    log_files,
    project_body,
    session_body,
    task_body,
    workflow_body,
)
from cdpo.targets.local import LocalTarget
from cdpo.targets.local.runner import secret_variable

__all__ = ["ROUTES", "DigdagApi", "json_response"]

ROUTES: list[tuple[str, str, str]] = [
    ("/api/version", "GET", "version"),
    ("/api/projects", "PUT", "put_project"),
    ("/api/projects", "GET", "projects"),
    ("/api/projects/<int:project_id>", "GET", "project"),
    ("/api/projects/<int:project_id>/workflows", "GET", "workflows"),
    ("/api/projects/<int:project_id>/workflows/<name>", "GET", "workflow_by_name"),
    ("/api/projects/<int:project_id>/sessions", "GET", "project_sessions"),
    ("/api/projects/<int:project_id>/secrets", "GET", "secrets"),
    ("/api/projects/<int:project_id>/secrets/<key>", "PUT", "put_secret"),
    ("/api/projects/<int:project_id>/secrets/<key>", "DELETE", "delete_secret"),
    ("/api/workflows/<int:workflow_id>", "GET", "workflow"),
    ("/api/attempts", "PUT", "start_attempt"),
    ("/api/attempts", "GET", "attempts"),
    ("/api/attempts/<int:attempt_id>", "GET", "attempt"),
    ("/api/attempts/<int:attempt_id>/tasks", "GET", "tasks"),
    ("/api/attempts/<int:attempt_id>/kill", "POST", "kill"),
    ("/api/sessions", "GET", "sessions"),
    ("/api/sessions/<int:session_id>", "GET", "session"),
    ("/api/sessions/<int:session_id>/attempts", "GET", "session_attempts"),
    ("/api/logs/<int:attempt_id>/files", "GET", "log_files"),
    ("/api/logs/<int:attempt_id>/files/<path:file_name>", "GET", "log_file"),
]
"""(path, method, handler name) of every Digdag endpoint served."""

_SECRET_REF = re.compile(rb"\$\{\s*secret:\s*([A-Za-z0-9_.\-]+)\s*\}")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data() or b"{}")
    except json.JSONDecodeError as error:
        raise ConfigError(f"request body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ConfigError("request body must be a JSON object")
    return body


def _instant(text: Any) -> datetime:
    """An ISO-8601 instant (``Z`` or an offset), as ``RestSessionAttemptRequest.sessionTime``."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ConfigError(
            f"sessionTime {text!r} is not an ISO-8601 instant, e.g. 2024-01-01T00:00:00Z"
        )
    return moment


class DigdagApi:
    """Handlers named in ``ROUTES``; each takes the request and the path's arguments."""

    def __init__(self, target: LocalTarget) -> None:
        self.target = target
        self.store = target.store

    def version(self, request: Request) -> Response:
        from cdpo import __version__

        return json_response({"version": f"cdpo-{__version__}"})

    # -- projects -------------------------------------------------------------------------------

    def put_project(self, request: Request) -> Response:
        name = request.args.get("project", "")
        if not name:
            raise ConfigError("query parameter 'project' is required")
        with tempfile.TemporaryDirectory(prefix="cdpo-push-") as scratch:
            directory = Path(scratch) / name
            try:
                with tarfile.open(fileobj=io.BytesIO(request.get_data()), mode="r:gz") as tar:
                    tar.extractall(directory, filter="data")
            except (tarfile.TarError, OSError, EOFError) as error:
                raise ConfigError(f"the body is not a tar.gz project archive: {error}") from None
            try:
                revision = self.target.push(directory, name)
            except ConfigError as error:
                where = (error.file or "").replace(f"{scratch}/", "") or None
                problem = error.problem.replace(f"{scratch}/", "")
                raise ConfigError(problem, file=where, line=error.line, hint=error.hint) from None
        project = self.store.project(name)
        stored = self.store.revision(int(project["id"]), revision.revision)
        return json_response(project_body(project, stored))

    def projects(self, request: Request) -> Response:
        rows = self.store.execute("SELECT * FROM projects ORDER BY id")
        name = request.args.get("name")
        found = [
            project_body(row, self.store.latest_revision(int(row["id"])))
            for row in rows
            if name is None or row["name"] == name
        ]
        return json_response({"projects": found})

    def _project(self, project_id: int) -> Any:
        return self.store.one(
            "SELECT * FROM projects WHERE id = ?", (project_id,), f"project {project_id}"
        )

    def project(self, request: Request, project_id: int) -> Response:
        row = self._project(project_id)
        return json_response(project_body(row, self.store.latest_revision(project_id)))

    def workflows(self, request: Request, project_id: int) -> Response:
        row = self._project(project_id)
        revision = self.store.latest_revision(project_id)
        name = request.args.get("name")
        found = [
            workflow_body(row, revision, wf)
            for wf in json.loads(revision["workflows"])
            if name is None or wf == name
        ]
        return json_response({"workflows": found})

    def workflow_by_name(self, request: Request, project_id: int, name: str) -> Response:
        row = self._project(project_id)
        revision = self.store.latest_revision(project_id)
        if name not in json.loads(revision["workflows"]):
            raise NotFoundError(f"workflow '{name}' not found in project '{row['name']}'")
        return json_response(workflow_body(row, revision, name))

    def workflow(self, request: Request, workflow_id: int) -> Response:
        project, revision, name = decode_workflow_id(self.target, str(workflow_id))
        return json_response(workflow_body(project, revision, name))

    # -- secrets --------------------------------------------------------------------------------

    def secrets(self, request: Request, project_id: int) -> Response:
        """Secrets the project reads that the local runtime can resolve; names only."""
        self._project(project_id)
        archive = gzip.decompress(self.store.latest_revision(project_id)["archive"])
        names = sorted({m.decode() for m in _SECRET_REF.findall(archive)})
        return json_response({"secrets": [{"key": n} for n in names if _secret_set(n)]})

    def put_secret(self, request: Request, project_id: int, key: str) -> Response:
        """Sets the secret for the workers this server spawns (they inherit its environment)."""
        self._project(project_id)
        value = _body(request).get("value")
        if not isinstance(value, str):
            raise ConfigError('body must be {"value": "..."}')
        os.environ[_secret_env(key)] = value
        return Response(status=204)

    def delete_secret(self, request: Request, project_id: int, key: str) -> Response:
        self._project(project_id)
        os.environ.pop(_secret_env(key), None)
        return Response(status=204)

    # -- attempts -------------------------------------------------------------------------------

    def start_attempt(self, request: Request) -> Response:
        """``PUT /api/attempts``; 409 with the existing attempt when its session exists."""
        body = _body(request)
        for field in ("workflowId", "sessionTime", "params"):
            if field not in body:
                raise ConfigError(f"'{field}' is required in the attempt request", field=field)
        project, _, workflow = decode_workflow_id(self.target, str(body["workflowId"]))
        moment = _instant(body["sessionTime"])
        params, retry_name = dict(body["params"] or {}), body.get("retryAttemptName")
        existing = self._session_at(int(project["id"]), workflow, moment)
        if existing is None:
            ref = self.target.start(project["name"], workflow, params, moment)
            return json_response(attempt_body(self.target, int(ref.attempt_id)))
        attempts = self.store.attempts_of_session(int(existing["id"]))
        if not retry_name or retry_name in {a["retry_name"] for a in attempts}:
            return json_response(attempt_body(self.target, int(attempts[-1]["id"])), 409)
        resume = body.get("resume") or {}
        if resume.get("mode") == "failed":
            ref = self.target.retry(str(resume.get("attemptId")))
        else:
            ref = self.target.rerun(project["name"], workflow, params, moment)
        self.store.set_attempt(int(ref.attempt_id), retry_name=retry_name)
        return json_response(attempt_body(self.target, int(ref.attempt_id)))

    def _session_at(self, project_id: int, workflow: str, moment: datetime) -> Any:
        for row in self.store.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND workflow = ?", (project_id, workflow)
        ):
            if datetime.fromisoformat(row["session_time"]) == moment:
                return row
        return None

    def attempts(self, request: Request) -> Response:
        rows = [
            r
            for r in self.store.sessions()
            if r["attempt_id"] is not None
            and request.args.get("project", r["project"]) == r["project"]
            and request.args.get("workflow", r["workflow"]) == r["workflow"]
        ]
        return json_response(
            {"attempts": [attempt_body(self.target, int(r["attempt_id"])) for r in rows]}
        )

    def attempt(self, request: Request, attempt_id: int) -> Response:
        return json_response(attempt_body(self.target, attempt_id))

    def tasks(self, request: Request, attempt_id: int) -> Response:
        self.store.attempt(attempt_id)
        rows = self.store.tasks(attempt_id)
        groups = {int(r["parent_id"]) for r in rows if r["parent_id"] is not None}
        return json_response({"tasks": [task_body(r, groups) for r in rows]})

    def kill(self, request: Request, attempt_id: int) -> Response:
        """Digdag answers 409 when the attempt already finished (``AttemptResource.killAttempt``)."""
        if self.target.attempt(str(attempt_id)).done:
            raise ConflictError("Session attempt already killed or finished")
        self.target.kill(str(attempt_id))
        return Response(status=204)

    # -- sessions -------------------------------------------------------------------------------

    def sessions(self, request: Request) -> Response:
        rows = self.store.execute("SELECT * FROM sessions ORDER BY id DESC")
        return json_response({"sessions": [session_body(self.target, r) for r in rows]})

    def project_sessions(self, request: Request, project_id: int) -> Response:
        self._project(project_id)
        rows = self.store.execute(
            "SELECT * FROM sessions WHERE project_id = ? ORDER BY id DESC", (project_id,)
        )
        workflow = request.args.get("workflow")
        found = [session_body(self.target, r) for r in rows if workflow in (None, r["workflow"])]
        return json_response({"sessions": found})

    def session(self, request: Request, session_id: int) -> Response:
        row = self.store.one("SELECT * FROM sessions WHERE id = ?", (session_id,), "session")
        return json_response(session_body(self.target, row))

    def session_attempts(self, request: Request, session_id: int) -> Response:
        self.store.one("SELECT * FROM sessions WHERE id = ?", (session_id,), "session")
        ids = [int(a["id"]) for a in self.store.attempts_of_session(session_id)]
        return json_response({"attempts": [attempt_body(self.target, i) for i in ids]})

    # -- logs -----------------------------------------------------------------------------------

    def log_files(self, request: Request, attempt_id: int) -> Response:
        files = log_files(self.target, attempt_id, request.args.get("task"))
        return json_response({"files": [f.body() for f in files]})

    def log_file(self, request: Request, attempt_id: int, file_name: str) -> Response:
        for found in log_files(self.target, attempt_id, None):
            if found.name == file_name:
                return Response(found.data, mimetype="application/gzip")
        raise NotFoundError(f"log file {file_name} of attempt {attempt_id} not found")


def _secret_env(key: str) -> str:
    """The variable the local runtime reads a secret from (``runner._secret``)."""
    return "TD_API_KEY" if key == "td.apikey" else secret_variable(key)


def _secret_set(key: str) -> bool:
    return bool(os.environ.get(_secret_env(key)))
