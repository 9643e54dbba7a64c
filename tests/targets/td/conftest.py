"""A real ``cdpo server`` on loopback for the whole session, and clients pointed at it."""

from __future__ import annotations

import socket
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cdpo.config.regions import RegionHosts
from cdpo.server import ApiServer
from cdpo.targets import Attempt, Target
from cdpo.targets.td import NO_RETRY_DELAY, TdTarget, Transport, V3Client

API_KEY = "1/0123456789abcdef0123456789abcdef01234567"
"""A key of TD's shape (``<user id>/<40 hex>``); the server accepts only this one."""


@pytest.fixture(scope="session")
def td_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    root = tmp_path_factory.mktemp("td-server")
    with ApiServer(root, port=0, api_key=API_KEY) as server:
        yield server


@pytest.fixture(scope="session")
def hosts(td_server: ApiServer) -> RegionHosts:
    return RegionHosts(api=td_server.url, workflow=td_server.url, cdp=td_server.url)


@pytest.fixture
def make_target(hosts: RegionHosts) -> Iterator[Callable[..., TdTarget]]:
    opened: list[TdTarget] = []

    def _make(**options: object) -> TdTarget:
        defaults: dict[str, object] = {
            "api_key": API_KEY,
            "retry": NO_RETRY_DELAY,
            "poll_seconds": 0.02,
            "timeout": 30.0,
        }
        target = TdTarget(hosts, **{**defaults, **options})  # type: ignore[arg-type]
        opened.append(target)
        return target

    yield _make
    for target in opened:
        target.close()


@pytest.fixture
def td(make_target: Callable[..., TdTarget]) -> TdTarget:
    return make_target()


@pytest.fixture
def v3_client(td_server: ApiServer) -> Iterator[V3Client]:
    transport = Transport(td_server.url, API_KEY, retry=NO_RETRY_DELAY)
    yield V3Client(transport, poll_seconds=0.02)
    transport.close()


@pytest.fixture
def write_project(tmp_path: Path) -> Callable[..., Path]:
    """Write ``{relative path: text}`` (dedented) into ``tmp_path/name``; return the directory."""

    def _write(files: dict[str, str], name: str) -> Path:
        project = tmp_path / name
        for relative, text in files.items():
            path = project / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return project

    return _write


def wait_done(target: Target, attempt_id: str, timeout: float = 60.0) -> Attempt:
    """Poll until the attempt is done (or fail the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        attempt = target.attempt(attempt_id)
        if attempt.done:
            return attempt
        assert time.monotonic() < deadline, f"attempt {attempt_id} still running"
        time.sleep(0.1)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers: every read times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def _accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=_accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()
