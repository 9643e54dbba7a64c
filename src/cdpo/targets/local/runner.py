"""Push projects into the store, start sessions, and run an attempt (in the worker or in-process).

A pushed project is a gzip'd tar kept in the store, as Digdag keeps archives; its revision is the
content hash, so pushing the same files again yields the same revision. An attempt runs from the
archive extracted under ``.cdpo/projects/<project>/<revision>/``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cdpo.errors import CdpoError, ConflictError, NotFoundError, UnsupportedOperatorError
from cdpo.targets.local.store import AttemptRecorder, Store

__all__ = [
    "SECRET_PREFIX",
    "AttemptOptions",
    "archive_project",
    "is_secret_variable",
    "push_project",
    "run_attempt",
    "secret_variable",
    "start_attempt",
]

CANCEL_POLL_SECONDS = 0.2
SECRET_PREFIX = "CDPO_SECRET_"
"""Local secrets are environment variables: ``${secret:a.b}`` is ``CDPO_SECRET_A_B``."""
_SKIP_PARTS = {".cdpo", ".digdag", "__pycache__", ".venv", "venv", ".git"}


def archive_project(project_dir: Path) -> tuple[bytes, str]:
    """A deterministic tar.gz of the project (dotfiles and caches left out) and its revision."""
    buffer = io.BytesIO()
    files = sorted(
        p
        for p in Path(project_dir).rglob("*")
        if p.is_file()
        and not any(
            part in _SKIP_PARTS or part.startswith(".") for part in p.relative_to(project_dir).parts
        )
    )
    digest = hashlib.sha256()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in files:
            data = path.read_bytes()
            name = path.relative_to(project_dir).as_posix()
            digest.update(name.encode() + b"\0" + data + b"\0")
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0), digest.hexdigest()[:16]


def push_project(store: Store, project_dir: Path, name: str) -> tuple[int, str, list[str]]:
    """Validate and store a project; ``(project id, revision, workflows)``.

    Raises:
        ConfigError: a workflow does not parse.
        UnsupportedOperatorError: a task uses an operator the runtime lacks (the first problem;
            all problems are listed in its message).
    """
    from cdpo.targets.local.digdag import OPERATORS, Project, check_project

    project = Project.load(project_dir)
    report = check_project(project, OPERATORS)
    if report.problems:
        first = report.problems[0]
        if len(report.problems) > 1:
            listed = "\n".join(f"  {p.message}" for p in report.problems)
            raise UnsupportedOperatorError(
                f"{len(report.problems)} problems:\n{listed}", hint=first.hint
            )
        raise first
    archive, revision = archive_project(project_dir)
    workflows = sorted(project.workflows)
    return store.put_revision(name, revision, archive, workflows), revision, workflows


def start_attempt(
    store: Store,
    project: str,
    workflow: str,
    params: Mapping[str, Any],
    session_time: datetime,
    *,
    rerun: bool = False,
) -> tuple[int, int]:
    """Create a session (or, with ``rerun``, a new attempt of an existing one); ``(session, attempt)``.

    Raises:
        NotFoundError: project or workflow unknown.
        ConflictError: the session exists and ``rerun`` is False (Digdag answers 409).
    """
    from cdpo.targets.local.digdag import load_workflow_from_archive

    row = store.project(project)
    revision = store.latest_revision(int(row["id"]))
    if workflow not in json.loads(revision["workflows"]):
        raise NotFoundError(f"workflow '{workflow}' not found in project '{project}'")
    timezone = load_workflow_from_archive(_extracted(store, project, revision), workflow).timezone
    stamp = _session_text(session_time, timezone)
    existing = store.session_by_time(int(row["id"]), workflow, stamp)
    if existing is not None and not rerun:
        last = store.attempts_of_session(int(existing["id"]))[-1]
        raise ConflictError(
            f"a session for session time {stamp} already exists (session_id={existing['id']}, "
            f"attempt_id={last['id']})",
            hint=f"Retry it instead: cdpo digdag retry {last['id']}.",
        )
    session_id = (
        int(existing["id"]) if existing else store.create_session(int(row["id"]), workflow, stamp)
    )
    retry_name = f"rerun-{len(store.attempts_of_session(session_id))}" if existing else None
    attempt_id = store.create_attempt(session_id, revision["revision"], params, retry_name)
    return session_id, attempt_id


def _session_text(session_time: datetime, timezone: str) -> str:
    from cdpo.targets.local.digdag import zone

    return session_time.astimezone(zone(timezone)).isoformat(timespec="seconds")


def _extracted(store: Store, project: str, revision: Any) -> Path:
    """The revision's files on disk, extracted once."""
    target = store.directory / "projects" / project / revision["revision"]
    if not (target / ".complete").exists():
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(revision["archive"]))) as tar:
            tar.extractall(target, filter="data")
        (target / ".complete").touch()
    return target


@dataclass(frozen=True)
class AttemptOptions:
    """How attempts run: the warehouse file, the replay mapping for connector loads, a task
    event callback (``cdpo digdag run`` prints with it) and a factor on retry intervals (tests: 0).
    """

    warehouse: Path | None = None
    replay: Path | None = None
    on_event: Callable[[str, str, str | None], None] | None = None
    retry_interval_scale: float = 1.0


def run_attempt(
    store: Store,
    attempt_id: int,
    options: AttemptOptions = AttemptOptions(),
    *,
    upstream: threading.Event | None = None,
) -> bool:
    """Run one attempt to its end, recording every task; True on success. Honours kill requests,
    and the end of ``upstream`` (the cancel event of the attempt whose ``require>`` runs this one).
    """
    from cdpo.targets.local.digdag import OPERATORS, Executor

    try:
        settings, workflow = _settings(store, attempt_id, options)
        recorder = AttemptRecorder(store, attempt_id, store.attempt(attempt_id)["resume_from"])
        executor = Executor(workflow, settings, recorder, OPERATORS)
    except CdpoError as error:
        store.finish_attempt(attempt_id, False, error.message)
        raise
    watcher = threading.Thread(
        target=_watch_cancel, args=(store, attempt_id, executor.cancel, upstream), daemon=True
    )
    watcher.start()
    try:
        outcome = executor.run()
    except KeyboardInterrupt:  # Ctrl-C on a foreground run: record it as a kill
        store.set_attempt(attempt_id, cancel_requested=1)
        store.finish_attempt(attempt_id, False, "interrupted")
        raise
    finally:
        executor.cancel.set()
        watcher.join()  # it reads the store, which the worker closes next (a read then crashes)
        settings.close()
    store.finish_attempt(attempt_id, outcome.ok, outcome.error)
    return outcome.ok


def _settings(store: Store, attempt_id: int, options: AttemptOptions) -> tuple[Any, Any]:
    """The attempt's ``RunSettings`` (built-ins, params, files) and its workflow."""
    from cdpo.targets.local.digdag import RunSettings, builtin_params, load_workflow_from_archive

    row = store.attempt(attempt_id)
    directory = _extracted(
        store, row["project"], store.revision(int(row["project_id"]), row["revision"])
    )
    workflow = load_workflow_from_archive(directory, row["workflow"])
    builtins = {
        **builtin_params(
            datetime.fromisoformat(row["session_time"]), workflow.timezone, workflow.schedule
        ),
        "session_id": str(row["session_id"]),
        "session_uuid": row["uuid"],
        "attempt_id": str(attempt_id),
        "project_id": str(row["project_id"]),
        "project_name": row["project"],
    }
    settings = RunSettings(
        project_dir=directory,
        builtins=builtins,
        params=json.loads(row["params"]),
        warehouse=options.warehouse or store.directory / "warehouse.duckdb",
        replay=options.replay,
        secrets=_secret,
        retry_interval_scale=options.retry_interval_scale,
        on_event=options.on_event,
        require=_requirer(store, row, options),
    )
    return settings, workflow


def _watch_cancel(
    store: Store, attempt_id: int, cancel: threading.Event, upstream: threading.Event | None
) -> None:
    """Set ``cancel`` on a kill request; killing the attempt that ran ``require>`` (``upstream``)
    kills the attempt it is waiting for.
    """
    while not cancel.wait(CANCEL_POLL_SECONDS):
        if upstream is not None and upstream.is_set():
            store.set_attempt(attempt_id, cancel_requested=1)
            cancel.set()
        elif store.attempt(attempt_id)["cancel_requested"]:
            cancel.set()


def secret_variable(name: str) -> str:
    """The environment variable holding ``${secret:name}`` locally (upper case, dots as ``_``)."""
    return SECRET_PREFIX + name.upper().replace(".", "_")


def is_secret_variable(variable: str) -> bool:
    """Whether an environment variable holds a secret the local runtime resolves."""
    return variable == "TD_API_KEY" or variable.startswith(SECRET_PREFIX)


def _secret(name: str) -> str:
    """Local secrets come from the environment: ``td.apikey`` is TD_API_KEY, others CDPO_SECRET_*."""
    import os

    if name == "td.apikey" and "TD_API_KEY" in os.environ:
        return os.environ["TD_API_KEY"]
    return os.environ[secret_variable(name)]


def _requirer(store: Store, row: Any, options: AttemptOptions) -> Callable[..., bool]:
    """``require>``: run (or reuse) the other workflow's session of the same project, in-process."""

    def require(
        *,
        workflow: str,
        session_time: str | None,
        params: Mapping[str, Any],
        rerun_on: str,
        cancel: threading.Event,
    ) -> bool:
        moment = datetime.fromisoformat(session_time or row["session_time"])
        existing = _find_session(store, int(row["project_id"]), workflow, moment)
        if existing is not None:
            last = store.attempts_of_session(int(existing["id"]))[-1]
            done_ok = bool(last["done"]) and bool(last["success"])
            if rerun_on == "none" or (rerun_on == "failed" and done_ok):
                return done_ok
        _, attempt = start_attempt(store, row["project"], workflow, params, moment, rerun=True)
        return run_attempt(store, attempt, options, upstream=cancel)

    return require


def _find_session(store: Store, project_id: int, workflow: str, moment: datetime) -> Any:
    for candidate in store.execute(
        "SELECT * FROM sessions WHERE project_id = ? AND workflow = ?", (project_id, workflow)
    ):
        if datetime.fromisoformat(candidate["session_time"]) == moment:
            return candidate
    return None
