"""``cdpo run`` of the demo pipeline with ``target: td``, through the CLI, against ``cdpo server``
on loopback (Digdag REST + TD v3), ending with the report; the API key is found nowhere."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import cdpo.phases
from cdpo.config import load_pipeline
from cdpo.orchestrator import write_demo
from cdpo.orchestrator.demo import set_demo_secrets
from cdpo.server import ApiServer

KEY = "7/89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("td-demo")
    write_demo(root, people=10, implemented=[p.name for p in cdpo.phases.PHASES])
    return root


@pytest.fixture(scope="module")
def server(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server_root = tmp_path_factory.mktemp("td-demo-server")
    replay = demo / "data" / "replay.yml"
    with ApiServer(server_root, port=0, api_key=KEY, replay=replay) as served:
        yield served


def _point_at(demo: Path, url: str) -> None:
    """pipeline.yml with ``target: td`` and the loopback server as every TD endpoint; every source,
    with one month of history (the full window is the local e2e's: tests/e2e/conftest.py)."""
    path = demo / "pipeline.yml"
    document = yaml.safe_load(path.read_text())
    document["target"] = "td"
    document["td"] = {"endpoint": url, "workflow_endpoint": url, "cdp_endpoint": url}
    sources = document["ingestion"]["sources"]
    document["ingestion"]["sources"] = [{**s, "start_date": "2024-12-01"} for s in sources]
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _files_holding(directory: Path, needle: bytes) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_the_demo_runs_on_td_end_to_end_and_the_key_is_nowhere(
    demo: Path,
    server: ApiServer,
    run_cdpo,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _point_at(demo, server.url)
    monkeypatch.setenv("TD_API_KEY", KEY)
    set_demo_secrets(load_pipeline(demo / "pipeline.yml"))
    with caplog.at_level(logging.DEBUG):
        result = run_cdpo("run", "-p", str(demo), "--yes")
    state = json.loads((demo / "pipeline_state.json").read_text())
    assert result.exit_code == 0, (result.stderr, state.get("error"))
    assert state["status"] == "completed"
    for name in [p.name.value for p in cdpo.phases.PHASES]:
        phase = state["phases"][name]
        assert phase["status"] == "completed"
        assert all(w["status"] == "success" and w["attempt_id"] for w in phase["workflows"])
        assert phase["tables"] and all(t["row_count"] for t in phase["tables"]), phase["tables"]
    report = (demo / "pipeline_report.md").read_text()
    assert "| **TOTAL** |" in report
    assert (demo / "pipeline_report.html").is_file()
    # the run really went through the REST APIs: the server's store holds the sessions
    ingestion = state["phases"]["ingestion"]["workflows"][0]
    assert server.app.target.attempt(ingestion["attempt_id"]).status == "success"
    assert _files_holding(demo, KEY.encode()) == []
    # the server's store and warehouse are grepped from another process: closing a descriptor of
    # the live SQLite file in this one would drop the server's locks on it
    served = subprocess.run(["grep", "-rlF", KEY, str(server.app.target.root)], capture_output=True)
    assert served.returncode == 1, served.stdout
    assert KEY not in result.stdout + result.stderr + caplog.text


def test_a_refused_key_is_an_error_message_without_the_key(
    demo: Path, server: ApiServer, run_cdpo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _point_at(demo, server.url)
    wrong = "7/0000000000000000000000000000000000000000"
    monkeypatch.setenv("TD_API_KEY", wrong)
    result = run_cdpo("doctor", "-p", str(demo))
    assert result.exit_code == 1
    assert "401 Authentication failed" in result.stdout + result.stderr
    assert wrong not in result.stdout + result.stderr and KEY not in result.stdout + result.stderr
