"""Warm standby workers: a worker process started before its attempt, warmed up while it waits.

A cold worker spends most of a second before its first task: importing the runtime, creating V8
with moment.js, installing TD's functions on DuckDB for the first time. A standby pays that while
the previous attempt runs. It waits on its stdin for one line, ``{"args": [...], "log": path}``,
opens the log, confirms with the attempt id on its stdout, then points its stdout and stderr at
the log and runs ``worker.main(args)``: the attempt runs as ``python -m cdpo.targets.local.worker
ARGS`` would run it, in a process whose pid the caller already holds.

Why not fork: multiprocessing's forkserver (``set_forkserver_preload``) forks each child from a
server that has only imported modules, because a fork copies the locks of the parent's other
threads in whatever state they were (V8's platform threads, DuckDB's task scheduler) and the child
may deadlock on them. Most of the warm-up is V8 and DuckDB, so a standby is a fresh interpreter
(spawned, not forked) used for one attempt: nothing carries over between attempts, and ``kill``
sees the same process as before (a session leader: killing the caller does not kill it).

A standby touches neither the store nor the warehouse file before it has an attempt. It is valid
for the interpreter, working directory and environment it started with (the attempt's root and
options travel in its line); when the caller's differ, or it died, the caller starts a worker
cold. Secrets (``TD_API_KEY``, ``CDPO_SECRET_*``) are the exception: nothing reads them before an
attempt, so they travel in the line (a pipe, never a file) and a secret set after the standby
started does not make it stale. It exits on EOF on its stdin (its caller went away) and is killed
by ``close``.

The first attempt of a run has no previous attempt to warm up behind: ``start_early`` starts a
standby before any target exists (``cdpo demo`` does while it writes its data), and the first
``StandbySlot`` takes it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cdpo.targets.local.runner import is_secret_variable

__all__ = ["HANDOFF_TIMEOUT", "Standby", "StandbySlot", "serve", "start_early", "warm"]

HANDOFF_TIMEOUT = 10.0
"""Seconds a caller waits for a standby to confirm it took an attempt before starting one cold."""

_LIVE: set[Standby] = set()
"""Standbys neither handed an attempt nor closed: closed at exit, so none outlives its caller."""


def _key() -> tuple[Any, ...]:
    """What a worker inherits from its caller at start: interpreter, directory, environment
    (secrets aside: they are handed over with the attempt)."""
    try:
        cwd = os.getcwd()
    except OSError:  # the caller's directory was removed: a new process would not find it either
        cwd = None
    environment = sorted((k, v) for k, v in os.environ.items() if not is_secret_variable(k))
    return (sys.executable, cwd, tuple(environment))


def _secrets() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if is_secret_variable(k)}


class Standby:
    """One warm worker process waiting for its attempt; used for one attempt at most."""

    def __init__(self, process: subprocess.Popen[bytes], key: tuple[Any, ...]) -> None:
        self.process = process
        self.key = key
        self._owner = os.getpid()

    @classmethod
    def start(cls) -> Standby:
        """Start a standby in its own session; it warms up at once."""
        key = _key()
        process = subprocess.Popen(
            [sys.executable, "-m", "cdpo.targets.local.standby"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        standby = cls(process, key)
        _LIVE.add(standby)
        return standby

    @property
    def pid(self) -> int:
        return self.process.pid

    def usable(self) -> bool:
        """Alive, and started with this process's interpreter, directory and environment."""
        return self.process.poll() is None and self.key == _key()

    def hand_off(self, args: Sequence[str], log: Path) -> int | None:
        """Run ``worker.main(args)`` in the standby, its output appended to ``log``.

        Returns:
            The pid that runs the attempt; None when the standby is unusable or has not confirmed
            within ``HANDOFF_TIMEOUT`` (it is closed: the caller starts a worker cold).
        """
        assert self.process.stdin is not None and self.process.stdout is not None
        confirmed = False
        if self.usable():
            message = {"args": list(args), "log": str(log), "secrets": _secrets()}
            line = json.dumps(message) + "\n"
            try:
                self.process.stdin.write(line.encode())
                self.process.stdin.flush()
                answer = _read_line(self.process.stdout.fileno(), HANDOFF_TIMEOUT)
                confirmed = answer == f"{args[1]}\n".encode()
            except OSError:  # it died meanwhile: EPIPE
                confirmed = False
        if not confirmed:
            self.close()
            return None
        _LIVE.discard(self)
        self.process.stdin.close()
        self.process.stdout.close()
        return self.process.pid

    def close(self) -> None:
        """Kill the standby and reap it. It holds nothing yet (no store, no warehouse file), and
        one that missed its ``HANDOFF_TIMEOUT`` must not start the attempt a cold worker runs.
        """
        _LIVE.discard(self)
        if os.getpid() != self._owner:  # a forked copy of the caller: the standby is not its own
            return
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self.process.poll() is None:  # not reaped, so its pid is still its own
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class StandbySlot:
    """At most one standby for one caller (a ``LocalTarget``); thread-safe. It starts with the
    standby ``start_early`` started, if one waits."""

    def __init__(self) -> None:
        self._standby: Standby | None = _take_early()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The waiting standby's pid, if one waits."""
        standby = self._standby
        return standby.pid if standby is not None else None

    def take(self) -> Standby | None:
        """The waiting standby, now the caller's to hand an attempt to (or to close)."""
        with self._lock:
            standby, self._standby = self._standby, None
            return standby

    def refill(self) -> None:
        """Start a standby for the next attempt, unless one waits or the slot is closed.

        Best effort: when no process can be started now, the next attempt starts cold.
        """
        with self._lock:
            if self._standby is None and not self._closed:
                with contextlib.suppress(OSError):
                    self._standby = Standby.start()

    def close(self) -> None:
        """Close the waiting standby; the slot starts no more."""
        with self._lock:
            self._closed = True
            standby, self._standby = self._standby, None
        if standby is not None:
            standby.close()


_EARLY: list[Standby] = []
_EARLY_LOCK = threading.Lock()


def start_early() -> None:
    """Start a standby for the first attempt of a run that is about to begin, before its target
    exists: the next ``StandbySlot`` takes it. Best effort, as ``StandbySlot.refill``."""
    with _EARLY_LOCK:
        if not _EARLY:
            with contextlib.suppress(OSError):
                _EARLY.append(Standby.start())


def _take_early() -> Standby | None:
    with _EARLY_LOCK:
        return _EARLY.pop() if _EARLY else None


@atexit.register
def _close_live() -> None:
    for standby in list(_LIVE):
        standby.close()


def _read_line(fd: int, timeout: float | None = None) -> bytes:
    """Bytes from ``fd`` up to a newline; what came before EOF or ``timeout`` seconds otherwise."""
    deadline = None if timeout is None else time.monotonic() + timeout
    poller = select.poll()  # not select(): a busy caller's descriptors may pass FD_SETSIZE
    poller.register(fd, select.POLLIN)
    data = b""
    while not data.endswith(b"\n"):
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    return data


# -- the standby process ------------------------------------------------------------------------


def warm(arrived: threading.Event | None = None) -> None:
    """Import the runtime and create what attempts need, touching no store and no warehouse
    file: V8 with moment.js, TD's functions installed once on an in-memory DuckDB (the first
    install pays one-time costs), then the connection the attempt will attach its warehouse file
    to, with the functions installed (``Warehouse.prepare``).

    Steps go in the order attempts need them and stop once ``arrived`` is set: the attempt
    then imports the rest itself, as a cold worker does. Best effort: the attempt itself meets,
    and records, whatever fails here.
    """
    for step in (_warm_runtime, _warm_javascript, _warm_warehouse):
        if arrived is not None and arrived.is_set():
            return
        try:
            step()
        except Exception:
            return


def _warm_runtime() -> None:
    from cdpo.targets.local import runner, worker  # noqa: F401
    from cdpo.targets.local.digdag import OPERATORS  # noqa: F401


def _warm_javascript() -> None:
    from cdpo.targets.local.digdag import Evaluator

    Evaluator.prepare()


def _warm_warehouse() -> None:
    from cdpo.targets.local.warehouse import Warehouse

    with Warehouse(":memory:") as warehouse:
        warehouse.query("SELECT TD_TIME_FORMAT(TD_SCHEDULED_TIME(), 'yyyy-MM-dd') AS day")
    Warehouse.prepare()  # the attempt's warehouse then only attaches its file


def serve() -> int:
    """The standby's life: warm up while waiting for the attempt, then run it as the worker."""
    answer = os.dup(1)
    _point(1, os.O_WRONLY)  # stray output of the warm-up goes nowhere, not to the caller's pipe
    received: dict[str, Any] = {}
    arrived = threading.Event()
    threading.Thread(target=_receive, args=(answer, received, arrived), daemon=True).start()
    warm(arrived)
    arrived.wait()
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(received["log"], 1)
    os.dup2(received["log"], 2)
    os.close(received["log"])
    for variable in [v for v in os.environ if is_secret_variable(v)]:
        del os.environ[variable]
    os.environ.update(received["secrets"])  # the caller's, as a cold worker inherits them
    _point(0, os.O_RDONLY)  # as a cold worker's stdin: tasks' commands read /dev/null
    from cdpo.targets.local import worker

    sys.argv = [str(worker.__file__), *received["args"]]
    return worker.main(received["args"])


def _receive(answer: int, received: dict[str, Any], arrived: threading.Event) -> None:
    """Read the attempt from stdin and confirm it; EOF first (the caller went away or closed
    the standby) ends the process at once, even mid-warm-up.
    """
    try:
        line = _read_line(0)
        if not line.endswith(b"\n"):
            os._exit(0)
        message = json.loads(line)
        received["args"] = [str(arg) for arg in message["args"]]
        received["secrets"] = {str(k): str(v) for k, v in message["secrets"].items()}
        received["log"] = os.open(message["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        os.write(answer, f"{received['args'][1]}\n".encode())
        os.close(answer)
    except BaseException:  # an unreadable line or log: unconfirmed, the caller starts cold
        os._exit(1)
    arrived.set()


def _point(fd: int, flags: int) -> None:
    null = os.open(os.devnull, flags)
    os.dup2(null, fd)
    os.close(null)


if __name__ == "__main__":
    from cdpo.targets.local.worker import exit_after

    exit_after(serve)
