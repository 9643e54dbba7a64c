"""The demo pipeline, for real: synthetic data, generated projects, the local target, DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cdpo.phases
from cdpo.config import load_pipeline
from cdpo.orchestrator import write_demo
from cdpo.phases import PhaseName

from .conftest import API_KEY, DemoRun


def test_write_demo_builds_a_valid_pipeline_for_the_available_phases(tmp_path: Path) -> None:
    implemented = [p.name for p in cdpo.phases.PHASES]
    project = write_demo(tmp_path, people=10, implemented=implemented)
    pipeline = load_pipeline(project.pipeline)
    assert pipeline.client == "northwind_retail"
    assert pipeline.target == "local"
    assert (tmp_path / pipeline.local.replay).is_file()
    assert list(project.phases) == implemented
    assert set(project.unavailable) == set(PhaseName) - set(implemented)
    if pipeline.ingestion is not None:
        tables = {o.table for s in pipeline.ingestion.sources for o in s.objects}
        assert tables == {e.table for e in project.dataset.extracts}
    assert "pipeline_state.json" in (tmp_path / ".gitignore").read_text()


@pytest.fixture(scope="module")
def demo_run(full_demo: DemoRun) -> tuple[Path, int, str]:
    """``cdpo run`` on the whole demo: the session's one run (tests/e2e/conftest.py), shared
    with the fidelity tests so the suite runs the demo once."""
    return full_demo.root, full_demo.code, (full_demo.root / "pipeline_state.json").read_text()


def test_demo_runs_to_completion_on_the_local_target(demo_run: tuple[Path, int, str]) -> None:
    _, code, text = demo_run
    state = json.loads(text)
    assert code == 0, state.get("error")
    assert state["status"] == "completed"
    available = [p.name.value for p in cdpo.phases.PHASES]
    for name in available:
        phase = state["phases"][name]
        assert phase["status"] == "completed"
        assert phase["tables"] and all(t["row_count"] for t in phase["tables"]), phase["tables"]
        assert all(w["status"] == "success" and w["session_id"] for w in phase["workflows"])
        assert {c["status"] for c in phase["checks"]} <= {"pass", "warn"}
    for name in set(p.value for p in PhaseName) - set(available):
        assert state["phases"][name]["skip_reason"] == "not in pipeline.yml"


def test_demo_logs_and_reports(demo_run: tuple[Path, int, str]) -> None:
    root, _, text = demo_run
    state = json.loads(text)
    day = next((root / "pipeline_logs").iterdir())
    assert (day / "phase1_ingestion.log").read_text().count("workflow_started") == len(
        state["phases"]["ingestion"]["workflows"]
    )
    report = (root / "pipeline_report.md").read_text()
    session = state["phases"]["ingestion"]["workflows"][0]["session_id"]
    assert "| **TOTAL** |" in report and "cdpo digdag attempt" in report and session in report
    html = (root / "pipeline_report.html").read_text()
    assert html.count("<svg") >= 1 and "<script" not in html
    if "unification" in state["phases"] and state["phases"]["unification"]["checks"]:
        assert "unification_truth" in report, "the demo scores merges against the true identities"


def test_the_api_key_is_in_no_file_under_the_pipeline(demo_run: tuple[Path, int, str]) -> None:
    root = demo_run[0]
    files = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in files), "the warehouse is scanned too"
    leaked = [p for p in files if API_KEY.encode() in p.read_bytes()]
    assert leaked == []
