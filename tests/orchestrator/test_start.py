"""How a run starts: keep or re-run completed phases (D14), then "Ready to proceed?" (D1)."""

from __future__ import annotations

from typing import Any

from cdpo.orchestrator import Choice, Decision, Situation, run_pipeline

from .conftest import Project


class Answers:
    """Answers D1/D14 from a script, keeping each question; failures abort."""

    name = "script"

    def __init__(self, *answers: Choice) -> None:
        self.answers = list(answers)
        self.asked: list[Decision] = []

    def decide(self, decision: Decision) -> Choice:
        self.asked.append(decision)
        if decision.situation in (Situation.READY_TO_PROCEED, Situation.RESUME_COMPLETED):
            return self.answers.pop(0)
        return Choice.ABORT


def test_stop_leaves_a_new_pipeline_unwritten(project: Project) -> None:
    result = run_pipeline(project.root, decider=Answers(Choice.STOP))
    assert not result.started and result.error is None
    assert result.reason == "not confirmed by script"
    assert not (project.root / "pipeline_state.json").exists()
    assert project.target.called("push") == 0 and project.target.called("create_database") == 0
    log = next((project.root / "pipeline_logs").glob("*/pipeline.log")).read_text()
    assert "nothing ran: not confirmed by script" in log


def test_stop_leaves_a_recorded_pipeline_byte_for_byte(project: Project) -> None:
    project.fail_staging_once()
    state_file = project.root / "pipeline_state.json"
    before = state_file.read_bytes()
    decider = Answers(Choice.KEEP, Choice.KEEP, Choice.STOP)
    result = run_pipeline(project.root, decider=decider)
    assert not result.started
    assert state_file.read_bytes() == before
    summary = decider.asked[-1].context
    actions = {p.name.value: p.action for p in summary.phases}
    assert actions == {
        "ingestion": "kept (completed)",
        "hist_union": "kept (completed)",
        "staging": "resume from deploy",
        "unification": "run",
    }
    assert summary.pipeline_id == result.state.pipeline_id
    assert summary.estimated_seconds == 180  # toy phases: 90 s each, only the two that run


def test_the_cli_says_nothing_ran_and_how_to_change_it(project: Project) -> None:
    project.phases[1].reads = ("northwind_retail_src.empty",)
    project.target.add_table("northwind_retail_src", "empty", 0)
    pipeline = project.root / "pipeline.yml"
    pipeline.write_text(pipeline.read_text() + "  on_warning: stop\n")
    result = project.cli("run")
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())
    assert "Nothing ran: not confirmed by policy(on_failure=ask, on_warning=stop)" in out
    assert "pre-flight warned: northwind_retail_src.empty: the table is empty" in out
    assert "The state file is untouched" in out and "`cdpo plan` shows the plan" in out
    assert not (project.root / "pipeline_state.json").exists()


def test_proceed_creates_the_announced_databases_and_records_the_answers(
    project: Project,
) -> None:
    decider = Answers(Choice.PROCEED)
    result = run_pipeline(project.root, decider=decider)
    assert result.started and not result.failed
    summary = decider.asked[0].context
    assert summary.databases_to_create == (
        "northwind_retail_src",
        "northwind_retail_stg",
        "northwind_retail_config",
        "cdp_unification_northwind_retail",
    )
    assert set(summary.databases_to_create) <= set(project.target.databases())
    first = result.state.decisions[0]
    assert (first.phase, first.step, first.situation, first.choice, first.by) == (
        "preflight",
        "confirm",
        "ready_to_proceed",
        "proceed",
        "script",
    )


def test_rerun_a_completed_phase_keeps_the_others(project: Project) -> None:
    project.fail_staging_once()
    project.target.calls.clear()
    decider = Answers(Choice.RERUN, Choice.KEEP, Choice.PROCEED)
    result = run_pipeline(project.root, decider=decider)
    assert not result.failed, result.error
    assert [d.phase for d in decider.asked] == ["ingestion", "hist_union", "preflight"]
    assert all(d.default is Choice.KEEP for d in decider.asked[:2])
    assert "phase ingestion completed in pipeline" in decider.asked[0].message
    started = [args[1] for name, args in project.target.calls if name == "start"]
    assert started == ["hist", "inc", "staging_wf", "unification_wf"]
    recorded = [(d.phase, d.choice) for d in result.state.decisions[-3:]]
    assert recorded == [("ingestion", "rerun"), ("hist_union", "keep"), ("preflight", "proceed")]


def test_unattended_resume_keeps_completed_phases_and_says_so(project: Project) -> None:
    project.fail_staging_once()
    project.target.calls.clear()
    assert project.cli("run", "--yes").exit_code == 0
    started = [args[1] for name, args in project.target.calls if name == "start"]
    assert started == ["staging_wf", "unification_wf"]
    decisions = [(d["phase"], d["situation"], d["choice"]) for d in project.state()["decisions"]]
    assert decisions[-3:] == [
        ("ingestion", "resume_completed_phase", "keep"),
        ("hist_union", "resume_completed_phase", "keep"),
        ("preflight", "ready_to_proceed", "proceed"),
    ]


def test_a_completed_pipeline_is_rerun_whole_unless_the_user_keeps_phases(
    project: Project,
) -> None:
    assert project.cli("run", "--yes").exit_code == 0
    first = project.state()["pipeline_id"]
    decider = Answers(Choice.KEEP, Choice.KEEP, Choice.RERUN, Choice.KEEP, Choice.PROCEED)
    project.target.calls.clear()
    result = run_pipeline(project.root, decider=decider)
    assert all(d.default is Choice.RERUN for d in decider.asked[:4]), "unattended: all re-run"
    assert result.state.pipeline_id == first, "keeping phases continues the same pipeline"
    assert [a[1] for n, a in project.target.calls if n == "start"] == ["staging_wf"]
    assert result.state.status.value == "completed"


def test_a_critical_finding_asks_nothing_and_is_recorded(project: Project) -> None:
    project.phases[2].reads = ("northwind_retail_src.missing",)
    decider: Any = Answers()
    result = run_pipeline(project.root, decider=decider)
    assert decider.asked == []
    assert result.started and result.error is not None
    assert "pre-flight found critical problems" in result.error.message
    assert project.state()["status"] == "aborted"
