from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import cdpo.phases

from .conftest import Project
from .toy import PIPELINE, toy_phases


def test_plan_lists_phases_workflows_files_tables_and_estimate(
    run_cdpo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cdpo.phases, "PHASES", toy_phases(ingestion=("hist", "inc"))[:2])
    (tmp_path / "pipeline.yml").write_text(PIPELINE)
    result = run_cdpo("plan", "-p", tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    ingestion, hist_union, staging, _ = plan["phases"]
    assert ingestion["workflows"] == ["hist", "inc"]
    assert ingestion["files"] == ["hist.dig", "inc.dig", "queries/build.sql"]
    assert ingestion["tables"] == [
        "northwind_retail_src.ingestion_hist",
        "northwind_retail_src.ingestion_inc",
    ]
    assert hist_union["status"] == "run"
    assert staging["status"] == "not in pipeline.yml"
    assert plan["estimated_seconds"] == 180
    assert not (tmp_path / "ingestion").exists(), "plan must not generate anything"

    text = run_cdpo("plan", "-p", tmp_path)
    assert "Estimated total: 3m 00s" in text.stdout


def test_plan_is_honest_about_phases_not_yet_available(
    run_cdpo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cdpo.phases, "PHASES", ())
    (tmp_path / "pipeline.yml").write_text(PIPELINE + "unification:\n  name: customer_360\n")
    result = run_cdpo("plan", "-p", tmp_path / "pipeline.yml", "--json")
    statuses = [p["status"] for p in json.loads(result.stdout)["phases"]]
    assert statuses[3] == "not available in this version of cdpo"


def test_estimates_come_from_the_last_run_when_it_did_the_same_work(project: Project) -> None:
    assert project.cli("run", "--yes").exit_code == 0
    recorded = project.state()["phases"]
    plan = json.loads(project.cli("plan", "--json").stdout)
    for phase in plan["phases"]:
        steps = recorded[phase["phase"]]["steps"].values()
        assert phase["estimate_basis"] == "last run"
        assert phase["estimated_seconds"] == round(sum(s["duration_seconds"] for s in steps), 1)
    project.phases[0].workflows = ("hist",)  # ingestion changed: its history no longer applies
    plan = json.loads(project.cli("plan", "--json").stdout)
    assert [p["estimate_basis"] for p in plan["phases"]] == ["workload"] + ["last run"] * 3
    assert plan["phases"][0]["estimated_seconds"] == 90


def test_every_phase_estimates_its_workload_per_target(run_cdpo, tmp_path: Path) -> None:
    assert run_cdpo("init", tmp_path).exit_code == 0
    local = json.loads(run_cdpo("plan", "-p", tmp_path, "--json").stdout)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(re.sub(r"(?m)^target: local", "target: td", pipeline.read_text()))
    td = json.loads(run_cdpo("plan", "-p", tmp_path, "--json").stdout)
    for on_local, on_td in zip(local["phases"], td["phases"], strict=True):
        assert on_local["estimate_basis"] == "workload"
        assert 0 < on_local["estimated_seconds"] < on_td["estimated_seconds"]
    assert local["estimated_seconds"] == sum(p["estimated_seconds"] for p in local["phases"])
    text = run_cdpo("plan", "-p", tmp_path).stdout
    assert re.search(r"Estimated total: \d+m \d\ds", text)
