"""``cdpo run`` end to end on FakeTarget with toy phases: state, logs, reports, resume."""

from __future__ import annotations

import json

from .conftest import Project


def test_run_completes_every_phase_and_records_everything(project: Project) -> None:
    result = project.cli("run", "--yes")
    assert result.exit_code == 0, result.stderr + result.stdout
    state = project.state()
    assert state["schema_version"] == 1
    assert state["status"] == "completed"
    assert state["global_config"] == {
        "client": "northwind_retail",
        "target": "local",
        "td_endpoint": "local",
        "database_src": "northwind_retail_src",
        "database_stg": "northwind_retail_stg",
        "database_config": "northwind_retail_config",
        "database_unification": "cdp_unification_northwind_retail",
    }
    ingestion = state["phases"]["ingestion"]
    assert ingestion["status"] == "completed"
    assert [w["workflow"] for w in ingestion["workflows"]] == ["hist", "inc"]
    assert all(w["status"] == "success" and w["attempt_id"] for w in ingestion["workflows"])
    assert set(ingestion["files"]) == {"hist.dig", "inc.dig", "queries/build.sql"}
    assert all(len(h) == 64 for h in ingestion["files"].values())
    assert ingestion["tables"][0] == {"name": "northwind_retail_src.ingestion_hist", "row_count": 5}
    assert ingestion["revision"] and ingestion["deployed"]
    assert {s["status"] for s in ingestion["steps"].values()} == {"completed"}
    # mode both: hist then inc, each started then followed to the end
    starts = [args[1] for name, args in project.target.calls if name == "start"]
    assert starts == ["hist", "inc", "hist_union_wf", "staging_wf", "unification_wf"]

    logs = list((project.root / "pipeline_logs").glob("*/phase1_ingestion.log"))
    assert logs and "push ingestion" in logs[0].read_text()
    assert {p.name for p in logs[0].parent.iterdir()} == {
        "pipeline.log",
        "phase1_ingestion.log",
        "phase2_histunion.log",
        "phase3_staging.log",
        "phase4_unification.log",
    }
    report = (project.root / "pipeline_report.md").read_text()
    assert "| **TOTAL** |" in report and "PARTIAL" not in report
    assert "FROM northwind_retail_src.ingestion_log" in report
    html = (project.root / "pipeline_report.html").read_text()
    assert (
        "<svg" in html
        and "<script" not in html
        and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


def test_second_run_after_completion_starts_a_new_pipeline(project: Project) -> None:
    assert project.cli("run", "--yes").exit_code == 0
    first = project.state()["pipeline_id"]
    pushes = project.target.called("push")
    assert project.cli("run", "--yes").exit_code == 0
    assert project.target.called("push") == 2 * pushes
    assert project.state()["pipeline_id"] >= first


def test_status_and_report_rebuild(project: Project) -> None:
    assert project.cli("status").exit_code == 2  # never ran
    project.cli("run", "--yes")
    status = project.cli("status", "--json")
    assert json.loads(status.stdout)["status"] == "completed"
    text = project.cli("status")
    assert "✓ ✓ ✓ ✓ ✓" in text.stdout
    (project.root / "pipeline_report.md").unlink()
    assert project.cli("report").exit_code == 0
    assert (project.root / "pipeline_report.md").exists()


def test_json_progress_is_one_event_per_line(project: Project) -> None:
    result = project.cli("run", "--yes", "--json")
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    started = [e for e in events if e["kind"] == "workflow_started"]
    assert started[0]["data"]["session_id"] and started[0]["phase"] == "ingestion"


def test_only_and_from_rerun_the_chosen_phases(project: Project) -> None:
    project.cli("run", "--yes")
    project.target.calls.clear()
    assert project.cli("run", "--yes", "--only", "staging").exit_code == 0
    assert [a[1] for n, a in project.target.calls if n == "start"] == ["staging_wf"]
    project.target.calls.clear()
    assert project.cli("run", "--yes", "--from", "staging").exit_code == 0
    assert [a[1] for n, a in project.target.calls if n == "start"] == [
        "staging_wf",
        "unification_wf",
    ]
    bad = project.cli("run", "--only", "stagin")
    assert bad.exit_code == 2 and "Did you mean 'staging'?" in bad.stderr


def test_unusable_state_files_are_refused_with_a_way_out(project: Project) -> None:
    state_file = project.root / "pipeline_state.json"
    state_file.write_text("{not json")
    result = project.cli("run", "--yes")
    assert result.exit_code == 2 and "unreadable state file" in result.stderr
    assert "Move pipeline_state.json away" in result.stderr
    state_file.write_text('{"schema_version": 99}')
    assert "schema_version 99 is not supported" in project.cli("status").stderr
    state_file.unlink()
    project.cli("run", "--yes")
    (project.root / "pipeline.yml").write_text(
        (project.root / "pipeline.yml").read_text().replace("northwind_retail", "contoso_bank")
    )
    other = project.cli("run", "--yes")
    assert other.exit_code == 2 and "belongs to client 'northwind_retail'" in other.stderr
