"""``cdpo server`` as any Digdag or TD client sees it: raw HTTP, status codes and bodies."""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cdpo.server import ApiServer

KEY = "1/00112233445566778899aabbccddeeff00112233"
AUTH = {"Authorization": f"TD1 {KEY}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with ApiServer(tmp_path_factory.mktemp("server"), port=0, api_key=KEY) as served:
        yield served


@pytest.fixture
def client(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as http:
        yield http


def _archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue())


def test_push_list_and_browse_a_project(client: httpx.Client) -> None:
    pushed = client.put(
        "/api/projects",
        params={"project": "raw", "revision": "r1"},
        content=_archive({"a.dig": "+x:\n  echo>: x\n", "q/x.sql": "SELECT 1"}),
        headers={"Content-Type": "application/gzip"},
    )
    assert pushed.status_code == 200
    project = pushed.json()
    assert set(project) == {
        "id",
        "name",
        "revision",
        "archiveType",
        "archiveMd5",
        "createdAt",
        "updatedAt",
        "deletedAt",
    }
    assert client.get("/api/projects", params={"name": "raw"}).json()["projects"] == [project]
    assert client.get(f"/api/projects/{project['id']}").json() == project
    [workflow] = client.get(f"/api/projects/{project['id']}/workflows").json()["workflows"]
    assert workflow["name"] == "a" and workflow["project"] == {"id": project["id"], "name": "raw"}
    assert client.get(f"/api/workflows/{workflow['id']}").json() == workflow
    assert client.get("/api/workflows/999999").status_code == 404
    assert client.get(f"/api/projects/{project['id']}/secrets").json() == {"secrets": []}
    assert client.get("/api/version").json()["version"].startswith("cdpo-")


def test_bad_pushes_are_400_with_the_file_and_line(client: httpx.Client) -> None:
    broken = client.put(
        "/api/projects",
        params={"project": "broken"},
        content=_archive({"b.dig": "+x:\n  echo>: [\n"}),
    )
    assert broken.status_code == 400
    message = broken.json()["message"]
    assert message.startswith("broken/b.dig:") and "invalid YAML" in message
    assert "cdpo-push-" not in message  # the server's scratch directory is not leaked
    junk = client.put("/api/projects", params={"project": "junk"}, content=b"not a tarball")
    assert junk.status_code == 400 and "not a tar.gz" in junk.json()["message"]
    nameless = client.put("/api/projects", content=_archive({"a.dig": "+x:\n  echo>: x\n"}))
    assert nameless.json() == {"message": "query parameter 'project' is required", "status": 400}


def test_unknown_routes_and_methods_answer_json(client: httpx.Client) -> None:
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong = client.delete("/api/attempts")
    assert wrong.status_code == 405 and "message" in wrong.json()
    assert client.get("/api/attempts/424242/tasks").status_code == 404
    assert client.get("/api/logs/424242/files").status_code == 404
    assert client.get("/v3/job/status/424242").json()["error"] == "Job 424242 not found"


def test_sessions_attempts_and_kill_of_a_finished_attempt(client: httpx.Client) -> None:
    pushed = client.put(
        "/api/projects",
        params={"project": "sess"},
        content=_archive({"s.dig": "+x:\n  echo>: s\n"}),
    ).json()
    [workflow] = client.get(f"/api/projects/{pushed['id']}/workflows").json()["workflows"]
    body = {"workflowId": workflow["id"], "sessionTime": "2024-05-01T00:00:00+00:00", "params": {}}
    started = client.put("/api/attempts", json=body).json()
    assert started["status"] == "running" or started["done"] is True
    assert client.put("/api/attempts", json=body).status_code == 409
    session = client.get(f"/api/sessions/{started['sessionId']}").json()
    assert session["lastAttempt"]["id"] == started["id"]
    assert session["sessionTime"].startswith("2024-05-01T00:00:00")
    listed = client.get(f"/api/sessions/{started['sessionId']}/attempts").json()["attempts"]
    assert [a["id"] for a in listed] == [started["id"]]
    by_project = client.get(f"/api/projects/{pushed['id']}/sessions").json()["sessions"]
    assert [s["id"] for s in by_project] == [started["sessionId"]]
    assert started["id"] in {a["id"] for a in client.get("/api/attempts").json()["attempts"]}
    bad_time = client.put("/api/attempts", json={**body, "sessionTime": "yesterday"})
    assert bad_time.status_code == 400 and "ISO-8601" in bad_time.json()["message"]


def test_the_cli_serves_until_interrupted(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TD_", "CDPO_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cdpo.cli import main; main()",
            "server",
            "--port",
            "0",
            "--root",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith("cdpo server: Digdag REST API at http://127.0.0.1:")
        url = banner.split(" at ")[1].removesuffix("/api,").split("/api")[0]
        assert httpx.get(f"{url}/api/version", timeout=10).status_code == 200  # no key: no auth
        assert httpx.get(f"{url}/v3/database/list", timeout=10).json() == {"databases": []}
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
