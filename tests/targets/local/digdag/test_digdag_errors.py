"""Malformed projects give one clear error naming the file and line (or the task), no traceback."""

from __future__ import annotations

import pytest


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_bad_yaml_names_file_and_line(write_project, digdag_run) -> None:
    project = write_project({"wf.dig": "+a:\n  echo>: ok\n+b:\n  echo>: [unclosed\n"})
    result = digdag_run(project, "wf")
    assert result.exit_code == 2
    assert "wf.dig:5: invalid YAML" in result.stderr or "wf.dig:4: invalid YAML" in result.stderr
    _no_traceback(result)


def test_unknown_operator_fails_before_any_task_runs(
    write_project, digdag_run, run_cdpo, local_target
) -> None:
    project = write_project({"wf.dig": "+a:\n  echo>: first\n+b:\n  ech>: typo\n+c:\n  mail>: x\n"})
    result = digdag_run(project, "wf")
    assert result.exit_code == 2
    assert (
        "wf.dig:3" in result.stderr
        and "'ech>'" in result.stderr
        and "Did you mean 'echo'?" in result.stderr
    )
    assert "wf.dig:5" in result.stderr and "'mail>'" in result.stderr
    assert local_target.sessions() == []  # nothing started
    check = run_cdpo("digdag", "check", str(project))
    assert check.exit_code == 2
    assert "wf (timezone UTC, 3 tasks)" in check.stdout
    assert "2 problem(s)" in check.stderr
    _no_traceback(result)


def test_unknown_operator_inside_do_is_found_by_check(write_project, run_cdpo) -> None:
    project = write_project({"wf.dig": "+l:\n  loop>: 2\n  _do:\n    nope>: x\n"})
    result = run_cdpo("digdag", "check", str(project))
    assert result.exit_code == 2
    assert "wf.dig:4" in result.stderr and "'nope>'" in result.stderr


def test_undefined_variable_names_the_task(write_project, digdag_run, local_target) -> None:
    project = write_project({"wf.dig": "_export:\n  target: x\n+show:\n  echo>: ${targte}\n"})
    result = digdag_run(project, "wf")
    assert result.exit_code == 1
    assert "+wf+show" in result.stdout
    attempt = local_target.attempt(local_target.sessions()[-1]["attempt_id"])
    error = attempt.failed_tasks[0].error
    assert error.startswith(
        "wf.dig:3: +show: cannot evaluate ${targte}: ReferenceError: targte is not defined"
    )
    assert "Did you mean 'target'?" in error
    _no_traceback(result)


def test_missing_called_workflow_is_reported_by_check(write_project, run_cdpo) -> None:
    project = write_project({"wf.dig": "+c:\n  call>: missing.dig\n"})
    result = run_cdpo("digdag", "check", str(project))
    assert result.exit_code == 2
    assert "wf.dig:1: call>: workflow file not found" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "+a:\n  echo>: x\n  +b:\n    echo>: y\n",
            "has both an operator (echo>) and subtasks (+b)",
        ),
        ("+a: hello\n", "task '+a' must be a mapping"),
        (
            "timezone: Mars/Base\n+a:\n  echo>: x\n",
            "wf.dig:1: timezone: unknown timezone 'Mars/Base'",
        ),
        ("schedule:\n  daily>: 25h\n+a:\n  echo>: x\n", "invalid daily> value"),
        ("_export:\n  !include : 'nope.yml'\n+a:\n  echo>: x\n", "file not found"),
    ],
)
def test_structural_errors(write_project, run_cdpo, text: str, expected: str) -> None:
    project = write_project({"wf.dig": text})
    result = run_cdpo("digdag", "check", str(project))
    assert result.exit_code == 2
    assert expected in result.stderr
    _no_traceback(result)


def test_unknown_workflow_and_bad_param(write_project, digdag_run) -> None:
    project = write_project({"main.dig": "+a:\n  echo>: x\n"})
    result = digdag_run(project, "mian")
    assert result.exit_code == 2 and "Did you mean 'main'?" in result.stderr
    result = digdag_run(project, "main", "-p", "novalue")
    assert result.exit_code == 2 and "-p: invalid parameter 'novalue'" in result.stderr
    result = digdag_run(project, "main", "--session", "yesterday-ish")
    assert result.exit_code == 2 and "invalid session time" in result.stderr


def test_td_result_export_options_are_refused_by_check(write_project, run_cdpo) -> None:
    project = write_project(
        {
            "wf.dig": "+q:\n  td>:\n  query: SELECT 1\n  database: abc\n  result_url: s3://bucket/x\n",
        }
    )
    result = run_cdpo("digdag", "check", str(project))
    assert result.exit_code == 2
    assert "wf.dig:1: td>: option 'result_url'" in result.stderr


def test_errors_inside_generated_tasks_name_the_do_line(
    write_project, digdag_run, local_target
) -> None:
    project = write_project({"wf.dig": "+l:\n  loop>: 1\n  _do:\n    echo>: ${nope}\n"})
    assert digdag_run(project, "wf").exit_code == 1
    attempt = local_target.attempt(local_target.sessions()[-1]["attempt_id"])
    assert attempt.failed_tasks[0].error.startswith("wf.dig:4: +loop-0: cannot evaluate ${nope}")
