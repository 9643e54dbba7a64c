"""The decision interface: scripted deciders (fix, logs), the interactive prompt, and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.errors import CdpoError, TerminalTargetError
from cdpo.orchestrator import Choice, Decision, PolicyDecider, Situation, run_pipeline
from cdpo.printers.pipeline import PromptDecider
from cdpo.targets import AttemptStatus

from .conftest import Project


class Scripted:
    """Answers from a list, recording each failure question; starts every run (D1, D14 keep)."""

    name = "script"

    def __init__(self, *answers: Choice) -> None:
        self.answers = list(answers)
        self.asked: list[Decision] = []

    def decide(self, decision: Decision) -> Choice:
        if decision.situation in (Situation.READY_TO_PROCEED, Situation.RESUME_COMPLETED):
            return decision.options[0]
        self.asked.append(decision)
        return self.answers.pop(0)


def test_fix_rereads_pipeline_yml_regenerates_redeploys_and_runs_again(project: Project) -> None:
    project.target.outcomes["hist"] = AttemptStatus.ERROR
    pipeline = project.root / "pipeline.yml"

    class UserFixes(Scripted):
        def decide(self, decision: Decision) -> Choice:
            if decision.situation is Situation.SESSION_ERROR:
                project.target.outcomes.pop("hist", None)  # the user repairs the cause
                pipeline.write_text(
                    pipeline.read_text().replace("retry_limit: 2", "retry_limit: 4")
                )
            return super().decide(decision)

    result = run_pipeline(project.root, decider=UserFixes(Choice.FIX))
    assert not result.failed, result.error
    ingestion = result.state.phases["ingestion"]
    assert project.phases[0].generated == 2
    limits = [p.orchestration.retry_limit for p in project.phases[0].pipelines]
    assert limits == [2, 4], "the fix regenerates from the edited pipeline.yml"
    pushes = [a for n, a in project.target.calls if n == "push" and a[1] == "ingestion"]
    assert len(pushes) == 2
    assert ingestion.steps["generate"].attempts == 2
    assert ingestion.retries == {"monitor": 1}


def test_logs_is_shown_then_the_question_is_asked_again(project: Project) -> None:
    project.target.outcomes["hist"] = AttemptStatus.ERROR
    seen: list[str] = []
    decider = Scripted(Choice.LOGS, Choice.ABORT)
    result = run_pipeline(
        project.root, decider=decider, listeners=[lambda e: seen.append(e.kind.value)]
    )
    assert [d.situation for d in decider.asked] == [Situation.SESSION_ERROR] * 2
    assert seen.count("log_excerpt") == 2  # the excerpt on failure, the full log on request
    assert result.failed and result.error is not None
    assert [d.choice for d in result.state.decisions if d.phase == "ingestion"] == ["logs", "abort"]


def test_a_choice_off_the_menu_is_refused(project: Project) -> None:
    project.target.outcomes["hist"] = AttemptStatus.ERROR
    with pytest.raises(CdpoError, match=r"decider chose .*proceed.* valid: retry, fix, logs"):
        run_pipeline(project.root, decider=Scripted(Choice.PROCEED))


def test_prompt_numbers_the_options_and_confirms_skip(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["4", "1"])  # 4 = skip (then "no" to the confirmation), 1 = retry
    monkeypatch.setattr("rich.prompt.Prompt.ask", lambda *a, **k: next(answers))
    monkeypatch.setattr("rich.prompt.Confirm.ask", lambda *a, **k: False)
    decision = Decision(Situation.SESSION_ERROR, "ingestion", "monitor", "attempt 7 failed")
    assert PromptDecider().decide(decision) is Choice.RETRY


@pytest.mark.parametrize(
    ("policy", "situation", "left", "expected"),
    [
        (PolicyDecider("retry"), Situation.MONITOR_TIMEOUT, 1, Choice.CONTINUE),
        (PolicyDecider("retry"), Situation.AUTH_FAILED, 3, Choice.ABORT),
        (PolicyDecider("retry"), Situation.START_FAILED, 0, Choice.ABORT),
        (PolicyDecider("ask"), Situation.SESSION_ERROR, 3, Choice.ABORT),
        (PolicyDecider(on_warning="ask"), Situation.VALIDATION_WARNINGS, 0, Choice.STOP),
        (
            PolicyDecider(on_warning="ask", yes=True),
            Situation.VALIDATION_WARNINGS,
            0,
            Choice.PROCEED,
        ),
        (PolicyDecider(on_warning="stop"), Situation.READY_TO_PROCEED, 0, Choice.STOP),
        (PolicyDecider(on_warning="ask"), Situation.READY_TO_PROCEED, 0, Choice.PROCEED),
        (PolicyDecider(on_warning="stop"), Situation.RESUME_COMPLETED, 0, Choice.KEEP),
    ],
)
def test_policy_table(
    policy: PolicyDecider, situation: Situation, left: int, expected: Choice
) -> None:
    warned = ("stale: newest row is 30 days old",)
    decision = Decision(situation, "staging", "monitor", "", retries_left=left, warnings=warned)
    assert policy.decide(decision) is expected
    assert expected in decision.options


def test_api_key_is_found_in_no_file_under_the_pipeline(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "4242/" + "0123456789abcdef" * 2 + "01234567"
    other = "tdkey-not-shaped-like-one-9f8e7d"
    monkeypatch.setenv("TD_API_KEY", other)
    project.target.handlers["start"] = lambda *a: (_ for _ in ()).throw(
        TerminalTargetError(f"401 for apikey {other} (also {key}) Authorization: TD1 {other}")
    )
    result = project.cli("run", "--on-failure", "skip")
    assert result.exit_code == 1
    assert other not in result.stderr + result.stdout and key not in result.stderr
    files = [p for p in Path(project.root).rglob("*") if p.is_file()]
    assert {"pipeline_state.json", "pipeline_report.md", "pipeline_report.html"} <= {
        p.name for p in files
    }
    assert any(p.suffix == ".log" for p in files)
    for path in files:
        data = path.read_bytes()
        assert other.encode() not in data and key.encode() not in data, path
    assert "401 for apikey ****" in (project.root / "pipeline_state.json").read_text()


def test_the_user_is_asked_only_when_no_policy_decides(project: Project) -> None:
    from cdpo.orchestrator import execute_and_report

    project.target.outcomes["hist"] = AttemptStatus.ERROR
    prompt = Scripted(Choice.ABORT)
    execute_and_report(project.root, prompt=prompt)
    assert [d.situation for d in prompt.asked] == [Situation.SESSION_ERROR]
    for flags in ({"yes": True}, {"on_failure": "skip"}):
        (project.root / "pipeline_state.json").unlink()
        prompt = Scripted()
        execute_and_report(project.root, prompt=prompt, **flags)  # type: ignore[arg-type]
        assert prompt.asked == []
    pipeline = project.root / "pipeline.yml"
    pipeline.write_text(pipeline.read_text() + "  on_failure: abort\n")
    (project.root / "pipeline_state.json").unlink()
    prompt = Scripted()
    result, _ = execute_and_report(project.root, prompt=prompt)
    assert prompt.asked == [] and result.state.decisions[-1].by.startswith(
        "policy(on_failure=abort"
    )
