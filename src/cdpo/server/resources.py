"""Digdag REST resource bodies (``RestProject``, ``RestWorkflowDefinition``, ``RestSessionAttempt``,
``RestSession``, ``RestTask``, log files) built from the local runtime's store rows.

Field names and shapes follow Digdag's client models (``digdag-client/.../api/Rest*.java``;
reference §A.2): ids are JSON strings, timestamps ISO-8601 UTC. A workflow id encodes the stored
revision and the workflow's place in it, since the local store keeps workflows per revision.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cdpo.errors import NotFoundError
from cdpo.targets import AttemptStatus
from cdpo.targets.local import LocalTarget

__all__ = [
    "LogFile",
    "attempt_body",
    "decode_workflow_id",
    "log_files",
    "project_body",
    "session_body",
    "task_body",
    "workflow_body",
    "workflow_id",
]

_WORKFLOW_ID_SPAN = 10_000
"""Workflow id = revision row id × span + 1-based position of the workflow in the revision."""


def workflow_id(revision_row: Any, name: str) -> str:
    """The id of workflow ``name`` in a stored revision."""
    names = json.loads(revision_row["workflows"])
    return str(int(revision_row["id"]) * _WORKFLOW_ID_SPAN + names.index(name) + 1)


def decode_workflow_id(target: LocalTarget, value: str) -> tuple[Any, Any, str]:
    """``(project row, revision row, workflow name)`` of a workflow id.

    Raises:
        NotFoundError: no stored revision has that workflow.
    """
    if not str(value).isdigit():
        raise NotFoundError(f"workflow id {value!r} not found")
    revision_id, position = divmod(int(value), _WORKFLOW_ID_SPAN)
    rows = target.store.execute("SELECT * FROM revisions WHERE id = ?", (revision_id,))
    names = json.loads(rows[0]["workflows"]) if rows else []
    if not 1 <= position <= len(names):
        raise NotFoundError(f"workflow id {value} not found")
    project = target.store.one(
        "SELECT * FROM projects WHERE id = ?", (rows[0]["project_id"],), "project"
    )
    return project, rows[0], names[position - 1]


def project_body(project: Any, revision: Any) -> dict[str, Any]:
    """A ``RestProject``; the archive lives in the store (``archiveType: db``)."""
    digest = base64.b64encode(hashlib.md5(revision["archive"]).digest()).decode()
    return {
        "id": str(project["id"]),
        "name": project["name"],
        "revision": revision["revision"],
        "archiveType": "db",
        "archiveMd5": digest,
        "createdAt": project["created_at"],
        "updatedAt": revision["created_at"],
        "deletedAt": None,
    }


def workflow_body(project: Any, revision: Any, name: str, timezone: str = "UTC") -> dict[str, Any]:
    """A ``RestWorkflowDefinition`` (without its config, which cdpo's clients do not read)."""
    return {
        "id": workflow_id(revision, name),
        "name": name,
        "project": {"id": str(project["id"]), "name": project["name"]},
        "revision": revision["revision"],
        "timezone": timezone,
        "config": {},
    }


def attempt_body(target: LocalTarget, attempt_id: int) -> dict[str, Any]:
    """A ``RestSessionAttempt`` with Digdag's derived ``status``."""
    status = target.attempt(str(attempt_id)).status
    row = target.store.attempt(attempt_id)
    revision = target.store.revision(int(row["project_id"]), row["revision"])
    siblings = [int(a["id"]) for a in target.store.attempts_of_session(int(row["session_id"]))]
    return {
        "id": str(row["id"]),
        "index": siblings.index(int(row["id"])) + 1,
        "project": {"id": str(row["project_id"]), "name": row["project"]},
        "workflow": {"id": workflow_id(revision, row["workflow"]), "name": row["workflow"]},
        "sessionId": str(row["session_id"]),
        "sessionUuid": row["uuid"],
        "sessionTime": row["session_time"],
        "retryAttemptName": row["retry_name"],
        "done": status.done,
        "success": status is AttemptStatus.SUCCESS,
        "cancelRequested": bool(row["cancel_requested"]),
        "params": json.loads(row["params"]),
        "createdAt": row["created_at"],
        "finishedAt": row["finished_at"],
        "status": status.value,
    }


def session_body(target: LocalTarget, session: Any) -> dict[str, Any]:
    """A ``RestSession`` with its last attempt (``null`` when it has none)."""
    attempts = target.store.attempts_of_session(int(session["id"]))
    project = target.store.one(
        "SELECT * FROM projects WHERE id = ?", (session["project_id"],), "project"
    )
    last = attempt_body(target, int(attempts[-1]["id"])) if attempts else None
    return {
        "id": str(session["id"]),
        "project": {"id": str(project["id"]), "name": project["name"]},
        "workflow": {"name": session["workflow"], "id": last["workflow"]["id"] if last else None},
        "sessionUuid": session["uuid"],
        "sessionTime": session["session_time"],
        "lastAttempt": last,
    }


def task_body(row: Any, groups: set[int]) -> dict[str, Any]:
    """A ``RestTask``; ``error`` is a config object whose ``message`` says what failed."""
    return {
        "id": str(row["id"]),
        "fullName": row["full_name"],
        "parentId": str(row["parent_id"]) if row["parent_id"] is not None else None,
        "config": json.loads(row["config"] or "{}"),
        "upstreams": [str(u) for u in json.loads(row["upstreams"] or "[]")],
        "state": row["state"],
        "cancelRequested": False,
        "exportParams": {},
        "storeParams": json.loads(row["store"] or "{}"),
        "stateParams": {},
        "updatedAt": row["updated_at"],
        "retryAt": None,
        "startedAt": row["started_at"],
        "error": {"message": row["error"]} if row["error"] else {},
        "isGroup": int(row["id"]) in groups,
    }


@dataclass(frozen=True)
class LogFile:
    """One log file of an attempt: a task's lines, gzip'd, as Digdag's log server stores them."""

    name: str
    task: str
    time: str
    data: bytes

    def body(self) -> dict[str, Any]:
        return {
            "fileName": self.name,
            "taskName": self.task,
            "fileTime": self.time,
            "fileSize": len(self.data),
            "agentId": "cdpo",
            "direct": None,
        }


def _log_line(at: str, task: str, text: str) -> str:
    """Digdag's log line: ``2019-10-30 08:34:51.000 +0000 [INFO] (task) text`` (reference §A.5)."""
    stamp = at.replace("T", " ").rstrip("Z")
    return f"{stamp}.000 +0000 [INFO] ({task}) {text}\n"


def log_files(target: LocalTarget, attempt_id: int, task: str | None) -> list[LogFile]:
    """The attempt's log files, one per task, in the order their first line was written."""
    target.store.attempt(attempt_id)
    lines: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for row in target.store.logs(attempt_id, task):
        name = row["full_name"] or "+"
        first.setdefault(name, row["at"])
        lines.setdefault(name, []).append(_log_line(row["at"], name, row["text"]))
    return [
        LogFile(
            f"{name}@{hashlib.sha1(name.encode()).hexdigest()[:8]}.cdpo.log.gz",
            name,
            first[name],
            gzip.compress("".join(text).encode(), mtime=0),
        )
        for name, text in lines.items()
    ]
