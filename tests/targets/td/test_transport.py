"""Transport discipline against real loopback servers: auth failure, 404, 503 then success,
429 with Retry-After, POSTs never replayed, and a timeout."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from tests.targets.td.conftest import API_KEY

from cdpo.errors import (
    AuthenticationError,
    NotFoundError,
    TerminalTargetError,
    TransientTargetError,
)
from cdpo.server import ApiServer
from cdpo.targets.td import NO_RETRY_DELAY, RetryPolicy, Transport

WRONG_KEY = "1/ffffffffffffffffffffffffffffffffffffffff"


@pytest.fixture
def http_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def _transport(url: str, key: str = API_KEY, **options: object) -> Transport:
    return Transport(url, key, **{"retry": NO_RETRY_DELAY, **options})  # type: ignore[arg-type]


def test_a_wrong_key_is_an_authentication_error_with_the_servers_message(
    td_server: ApiServer,
) -> None:
    answer = httpx.get(f"{td_server.url}/api/projects", headers={"Authorization": "TD1 nope"})
    assert answer.status_code == 401
    assert answer.json() == {
        "message": "Authentication failed: the API key is invalid",
        "status": 401,
    }
    v3 = httpx.get(f"{td_server.url}/v3/database/list")
    assert v3.status_code == 401 and v3.json()["error"].startswith("Authentication failed")
    transport = _transport(td_server.url, WRONG_KEY)
    with pytest.raises(
        AuthenticationError, match="GET /api/projects: 401 Authentication failed"
    ) as caught:
        transport.json("GET", "/api/projects")
    assert WRONG_KEY not in str(caught.value) and "TD_API_KEY" in caught.value.hint


def test_a_missing_resource_is_not_found_with_the_servers_message(td_server: ApiServer) -> None:
    transport = _transport(td_server.url)
    with pytest.raises(
        NotFoundError, match=r"GET /api/attempts/987654: 404 attempt 987654 not found"
    ):
        transport.json("GET", "/api/attempts/987654")
    with pytest.raises(NotFoundError, match=r"404 .*no_such_db"):
        transport.json("GET", "/v3/table/list/no_such_db")


def test_a_503_then_success_is_retried_without_waiting(http_server: HTTPServer) -> None:
    http_server.expect_ordered_request("/api/version").respond_with_json(
        {"message": "maintenance"}, status=503
    )
    http_server.expect_ordered_request("/api/version").respond_with_json({"version": "0.10.5"})
    slept: list[float] = []
    transport = _transport(http_server.url_for(""), sleep=slept.append)
    assert transport.json("GET", "/api/version") == {"version": "0.10.5"}
    assert slept == [0.0]
    http_server.check_assertions()


def test_429_honours_retry_after_and_retries_are_bounded(http_server: HTTPServer) -> None:
    http_server.expect_request("/api/version").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": "7"}
    )
    slept: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay=1.0, max_delay=5.0)
    transport = _transport(http_server.url_for(""), retry=policy, sleep=slept.append)
    with pytest.raises(TransientTargetError, match="429 slow down"):
        transport.json("GET", "/api/version")
    assert slept == [5.0, 5.0]  # Retry-After 7 s, capped at max_delay; 3 tries, 2 waits
    assert len(http_server.log) == 3


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.5)
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0)]:
        delays = {policy.delay(retry) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(delays) > 1


def test_a_post_is_not_replayed_after_a_503(http_server: HTTPServer) -> None:
    http_server.expect_request("/v3/job/issue/presto/db", method="POST").respond_with_json(
        {"error": "busy"}, status=503
    )
    transport = _transport(http_server.url_for(""))
    with pytest.raises(TransientTargetError, match="503 busy"):
        transport.json("POST", "/v3/job/issue/presto/db", data={"query": "SELECT 1"})
    assert len(http_server.log) == 1


def test_a_bad_request_is_terminal_and_a_non_json_body_is_named(http_server: HTTPServer) -> None:
    http_server.expect_request("/api/attempts", method="PUT").respond_with_json(
        {"message": "sessionTime is invalid", "status": 400}, status=400
    )
    http_server.expect_request("/api/version").respond_with_data("<html>proxy</html>")
    transport = _transport(http_server.url_for(""))
    with pytest.raises(TerminalTargetError, match="PUT /api/attempts: 400 sessionTime is invalid"):
        transport.json("PUT", "/api/attempts", json={})
    with pytest.raises(TerminalTargetError, match="not JSON"):
        transport.json("GET", "/api/version")


def test_a_silent_server_times_out_after_the_retries(
    silent_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    slept: list[float] = []
    transport = _transport(
        f"http://127.0.0.1:{silent_port}",
        timeout=0.2,
        retry=RetryPolicy(2, 0, 0, 0),
        sleep=slept.append,
    )
    with (
        caplog.at_level(logging.WARNING, logger="cdpo.td"),
        pytest.raises(
            TransientTargetError,
            match=r"GET http://127.0.0.1:\d+/api/version: no answer within 0.2s",
        ),
    ):
        transport.json("GET", "/api/version")
    assert slept == [0.0]
    assert "no answer; retry 1/1" in caplog.text


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = _transport(f"http://127.0.0.1:{port}")
    with pytest.raises(TransientTargetError, match=r"GET http://127\.0\.0\.1"):
        transport.json("GET", "/api/version")


def test_a_500_body_is_transient_and_retried_only_when_idempotent(http_server: HTTPServer) -> None:
    body = {"message": "Internal Server Error", "status": 500}  # Digdag's generic error body
    http_server.expect_request("/api/attempts/1").respond_with_json(body, status=500)
    http_server.expect_request("/api/attempts/1/kill", method="POST").respond_with_json(
        body, status=500
    )
    transport = _transport(http_server.url_for(""), retry=RetryPolicy(3, 0, 0, 0))
    with pytest.raises(
        TransientTargetError, match="GET /api/attempts/1: 500 Internal Server Error"
    ):
        transport.json("GET", "/api/attempts/1")
    with pytest.raises(TransientTargetError, match="POST /api/attempts/1/kill: 500"):
        transport.request("POST", "/api/attempts/1/kill", json={})
    assert [r.method for r, _ in http_server.log] == ["GET", "GET", "GET", "POST"]
