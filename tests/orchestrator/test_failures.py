"""Each step made to fail, under each unattended policy: the decision taken and what the state says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cdpo.errors import AuthenticationError, TerminalTargetError, TransientTargetError
from cdpo.targets import AttemptStatus

from .conftest import Project

STEPS = ("generate", "deploy", "execute", "monitor", "validate")


def _fail_calls(project: Project, method: str, times: int, error: Exception) -> None:
    """The first ``times`` calls of ``method`` for the ingestion project raise ``error``."""
    count = {"n": 0}

    def handler(*args: Any) -> Any:
        ingestion = "ingestion" in (args[0], args[1]) or str(args[0]).endswith("/ingestion")
        count["n"] += ingestion
        if ingestion and count["n"] <= times:
            raise error
        return project.target.default(method, *args)

    project.target.handlers[method] = handler


def _on_start_of_hist(project: Project, after: int, action: Callable[[], None]) -> None:
    """Run ``action`` once the ``hist`` workflow has been started ``after`` times."""
    count = {"n": 0}

    def handler(*args: Any) -> Any:
        if args[1] == "hist":
            count["n"] += 1
            if count["n"] > after:
                action()
        return project.target.default("start", *args)

    project.target.handlers["start"] = handler


def inject(project: Project, step: str, times: int) -> None:
    """Make ``step`` of the ingestion phase fail ``times`` times."""
    target = project.target
    if step == "generate":
        project.phases[0].generate_failures = times
    elif step == "deploy":
        _fail_calls(project, "push", times, TerminalTargetError("push rejected: archive too large"))
    elif step == "execute":
        _fail_calls(project, "start", times, TerminalTargetError("workflow start refused"))
    elif step == "monitor":
        target.outcomes["hist"] = AttemptStatus.ERROR
        _on_start_of_hist(project, times, lambda: target.outcomes.pop("hist", None))
    elif step == "validate":
        saved = target.effects.pop("hist")
        _on_start_of_hist(project, times, lambda: target.effects.setdefault("hist", saved))


@pytest.mark.parametrize("step", STEPS)
def test_abort_stops_the_pipeline_and_records_the_failed_step(project: Project, step: str) -> None:
    inject(project, step, times=99)
    result = project.cli("run", "--on-failure", "abort")
    assert result.exit_code == 1, result.stderr
    assert f"phase ingestion, step {step} failed" in result.stderr
    assert "cdpo retry" in result.stderr
    state = project.state()
    assert state["status"] == "aborted"
    assert state["phases"]["ingestion"]["status"] == "failed"
    assert project.steps("ingestion")[step] == "failed"
    assert state["phases"]["hist_union"]["status"] == "pending", "never start the next phase"
    decision = state["decisions"][-1]
    assert (decision["phase"], decision["step"], decision["choice"]) == ("ingestion", step, "abort")
    assert decision["by"].startswith("policy(on_failure=abort")
    report = (project.root / "pipeline_report.md").read_text()
    assert "PARTIAL REPORT: the run is aborted" in report


@pytest.mark.parametrize("step", STEPS)
def test_skip_marks_the_phase_skipped_and_goes_on(project: Project, step: str) -> None:
    inject(project, step, times=99)
    result = project.cli("run", "--on-failure", "skip")
    assert result.exit_code == 1, "a skipped failure is still a failure"
    assert "skipped after a failure" in result.stdout
    state = project.state()
    ingestion = state["phases"]["ingestion"]
    assert ingestion["status"] == "skipped"
    assert ingestion["skip_reason"].startswith("skipped after failure")
    assert f"step {step} failed" in ingestion["error"]
    assert state["phases"]["unification"]["status"] == "completed"
    assert state["status"] == "failed"
    assert [d["choice"] for d in project.decisions()] == ["skip"]


@pytest.mark.parametrize("step", STEPS)
def test_retry_recovers_from_a_passing_failure(project: Project, step: str) -> None:
    inject(project, step, times=1)
    result = project.cli("run", "--on-failure", "retry")
    assert result.exit_code == 0, result.stderr + result.stdout
    state = project.state()
    assert state["status"] == "completed"
    ingestion = state["phases"]["ingestion"]
    assert ingestion["status"] == "completed"
    assert ingestion["retries"] == {step: 1}
    assert [d["choice"] for d in project.decisions()] == ["retry"]
    assert ingestion["steps"][step]["attempts"] >= 2


@pytest.mark.parametrize("step", STEPS)
def test_retry_is_bounded_by_retry_limit(project: Project, step: str) -> None:
    inject(project, step, times=99)
    result = project.cli("run", "--on-failure", "retry")
    assert result.exit_code == 1
    state = project.state()
    assert [d["choice"] for d in project.decisions()] == ["retry", "retry", "abort"]
    assert state["decisions"][-1]["reason"] == "retry limit reached"
    assert state["phases"]["ingestion"]["retries"] == {step: 2}
    assert state["phases"]["ingestion"]["status"] == "failed"


def test_no_tty_and_no_flag_never_waits_and_aborts(project: Project) -> None:
    inject(project, "execute", times=99)
    result = project.cli("run")  # stdin is not a TTY under pytest
    assert result.exit_code == 1
    assert project.state()["decisions"][-1]["choice"] == "abort"


def test_authentication_errors_are_never_retried_blindly(project: Project) -> None:
    _fail_calls(project, "push", 99, AuthenticationError("authentication failed: Invalid API key"))
    result = project.cli("run", "--on-failure", "retry")
    assert result.exit_code == 1
    assert project.target.called("push") == 1
    decision = project.state()["decisions"][-1]
    assert (decision["situation"], decision["choice"]) == ("auth_failed", "abort")


def test_transient_push_errors_are_retried_within_deploy_attempts(project: Project) -> None:
    _fail_calls(project, "push", 2, TransientTargetError("503 Service Unavailable"))
    assert project.cli("run", "--yes").exit_code == 0
    assert project.state()["phases"]["ingestion"]["steps"]["deploy"]["attempts"] == 1
    assert project.decisions() == []
    project.target.calls.clear()
    _fail_calls(project, "push", 3, TransientTargetError("503 Service Unavailable"))
    assert project.cli("run", "--yes").exit_code == 1
    assert project.target.called("push") == 3


def test_known_syntax_error_is_fixed_at_its_line_then_pushed(project: Project) -> None:
    phase = project.phases[0]
    original = phase.generate

    def generate_with_typo(context: Any) -> Any:
        project_ = original(context)
        dig = project_.directory / "hist.dig"
        dig.write_text(dig.read_text().replace("td>: queries", "td> queries"))
        return project_

    phase.generate = generate_with_typo  # type: ignore[method-assign]
    assert project.cli("run", "--yes").exit_code == 0
    assert "td>: queries/build.sql" in (project.root / "ingestion/hist.dig").read_text()
    logs = next((project.root / "pipeline_logs").glob("*/phase1_ingestion.log")).read_text()
    assert "auto-fixed" in logs and "hist.dig:3" in logs


def test_missing_generated_file_fails_generate_naming_it(project: Project) -> None:
    project.phases[0].drop_file = True
    result = project.cli("run", "--yes")
    assert result.exit_code == 1
    assert "expected files missing" in result.stderr and "queries/build.sql" in result.stderr


def test_session_error_shows_error_lines_and_tail_of_the_log(project: Project) -> None:
    inject(project, "monitor", times=99)
    result = project.cli("run", "--on-failure", "abort")
    excerpt = project.phase("ingestion")["workflows"][0]["error_excerpt"]
    assert excerpt.splitlines()[0] == "ERROR +hist+build: Table not found: missing_source"
    assert len(excerpt.splitlines()) == 20  # the error line is also among the last 20
    assert "Table not found" in result.stderr


def test_killed_attempt_and_monitor_timeout_are_their_own_situations(project: Project) -> None:
    project.target.polls = -1
    (project.root / "pipeline.yml").write_text(
        (project.root / "pipeline.yml").read_text() + "  monitor_timeout_seconds: 0.05\n"
    )
    assert project.cli("run", "--on-failure", "retry").exit_code == 1
    situations = [(d["situation"], d["choice"]) for d in project.decisions()]
    assert situations == [
        ("monitor_timeout", "continue"),
        ("monitor_timeout", "continue"),
        ("monitor_timeout", "abort"),
    ]
    attempt = project.phase("ingestion")["workflows"][0]["attempt_id"]
    project.target.kill(attempt)
    project.target.polls = 0
    assert project.cli("run", "--on-failure", "skip").exit_code == 1
    decision = project.state()["decisions"][-1]
    assert (decision["situation"], decision["choice"]) == ("session_killed", "skip")


def test_validation_warnings_stop_unattended_unless_yes(project: Project) -> None:
    project.target.effects["hist"] = [("northwind_retail_src", "ingestion_hist", 0)]
    result = project.cli("run")
    assert result.exit_code == 1
    assert "validation warnings" in result.stderr
    assert project.steps("ingestion")["validate"] == "failed"
    assert project.cli("retry", "--yes").exit_code == 0
    decisions = [(d["situation"], d["choice"]) for d in project.decisions()]
    assert decisions[-1] == ("validation_warnings", "proceed")


def test_a_missing_secret_fails_deploy_with_the_command_that_sets_it(project: Project) -> None:
    phase = project.phases[0]
    original = phase.generate

    def generate_with_secret(context: Any) -> Any:
        generated = original(context)
        (generated.directory / "queries/build.sql").write_text("SELECT '${secret:shop.api_key}'\n")
        return generated

    phase.generate = generate_with_secret  # type: ignore[method-assign]
    result = project.cli("run", "--on-failure", "abort")
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "secrets not set for project ingestion: shop.api_key" in message
    assert (
        "td -e https://api-workflow.treasuredata.com wf secrets --project ingestion "
        "--set shop.api_key" in message
    )
    project.target.secret_names.add("shop.api_key")
    assert project.cli("retry", "--yes").exit_code == 0


def test_an_unclassified_target_error_fails_the_step_not_the_run(project: Project) -> None:
    project.target.handlers["attempt"] = lambda attempt_id: (_ for _ in ()).throw(
        TerminalTargetError(f"attempt {attempt_id} vanished")
    )
    result = project.cli("run", "--on-failure", "abort")
    assert result.exit_code == 1
    assert "step monitor failed: attempt 2 vanished" in result.stderr
    assert project.state()["status"] == "aborted"


def test_an_interrupted_run_is_recorded_and_resumable(project: Project) -> None:
    def interrupt(*args: Any) -> Any:
        raise KeyboardInterrupt

    project.target.handlers["attempt"] = interrupt
    result = project.cli("run", "--yes")
    assert result.exit_code == 130  # Ctrl-C, as shells report it
    state = project.state()
    assert state["status"] == "aborted" and "KeyboardInterrupt" in state["error"]
    assert project.steps("ingestion")["monitor"] == "in_progress"
    assert "KeyboardInterrupt" in (project.root / "pipeline_report.md").read_text()
    del project.target.handlers["attempt"]
    assert project.cli("run", "--yes").exit_code == 0
    assert project.target.called("push") == 4  # ingestion was pushed once, not again


def test_retry_takes_up_a_phase_skipped_after_failure(project: Project) -> None:
    inject(project, "execute", times=1)
    assert project.cli("run", "--on-failure", "skip").exit_code == 1
    assert project.phase("ingestion")["status"] == "skipped"
    assert project.cli("run", "--yes").exit_code == 1, "run keeps the user's skip"
    project.target.calls.clear()
    assert project.cli("retry", "--yes").exit_code == 0
    assert project.phase("ingestion")["status"] == "completed"
    assert [a[1] for n, a in project.target.calls if n == "start"] == ["hist", "inc"]
    assert project.state()["status"] == "completed"
    refused = project.cli("retry")
    assert refused.exit_code == 2 and "nothing to retry" in refused.stderr
