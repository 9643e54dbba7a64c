from __future__ import annotations

import json
from pathlib import Path

import pytest

import cdpo.phases

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
