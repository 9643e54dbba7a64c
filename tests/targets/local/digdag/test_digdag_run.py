"""``cdpo digdag run`` on real projects: every control operator and workflow feature."""

from __future__ import annotations

from pathlib import Path

from cdpo.targets.local import LocalTarget


def _last(target: LocalTarget):
    attempt_id = target.sessions()[-1]["attempt_id"]
    return target.attempt(attempt_id), target.logs(attempt_id)


def _states(attempt) -> dict[str, str]:
    return {t.full_name: t.state.value for t in attempt.tasks}


def test_nested_groups_exports_include_and_builtins(
    write_project, digdag_run, local_target
) -> None:
    project = write_project(
        {
            "wf.dig": """
            timezone: Asia/Tokyo
            _export:
              greeting: hello
              db:
                !include : 'config/db.yml'
            +outer:
              _export:
                greeting: hi
              +inner:
                +leaf:
                  echo>: ${greeting} ${db.name} ${session_date} ${session_tz_offset} ${task_name}
            +after:
              echo>: ${greeting} ${moment(session_time).add(1, 'months').format('YYYY-MM-DD')} ${timezone}
            """,
            "config/db.yml": "name: analytics\n",
        }
    )
    result = digdag_run(project, "wf", "--session", "2024-01-31")
    assert result.exit_code == 0, result.stderr
    assert "+wf+outer+inner+leaf started" in result.stdout
    attempt, logs = _last(local_target)
    assert attempt.status == "success"
    assert "hi analytics 2024-01-31 +0900 +wf+outer+inner+leaf" in logs
    # moment() displays in UTC as on TD's servers: midnight in Tokyo is the previous day 15:00 UTC.
    assert "hello 2024-02-29 Asia/Tokyo" in logs
    assert _states(attempt)["+wf+outer+inner"] == "success"


def test_parallel_group_and_background_task(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": """
            +par:
              _parallel: true
              +a:
                sh>: sleep 0.3 && echo a-done
              +b:
                sh>: echo b-done
            +seq:
              +first:
                sh>: sleep 0.3 && echo first-done
              +bg:
                _background: true
                sh>: echo bg-done
              +last:
                echo>: last
            """,
        }
    )
    assert digdag_run(project, "wf").exit_code == 0
    _, logs = _last(local_target)
    output = [line.split(") ", 1)[1] for line in logs.splitlines() if ">: " not in line]
    assert output.index("b-done") < output.index("a-done")  # b did not wait for a
    assert output.index("bg-done") < output.index("first-done")  # background ran beside first
    assert output.index("first-done") < output.index("last")


def test_parallel_limit_runs_children_in_batches(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": """
            +loop:
              for_range>:
                from: 0
                to: 4
                step: 1
              _parallel:
                limit: 2
              _do:
                echo>: range ${range.from}-${range.to} index ${range.index}
            """,
        }
    )
    assert digdag_run(project, "wf").exit_code == 0
    attempt, logs = _last(local_target)
    for index in range(4):
        assert f"range {index}-{index + 1} index {index}" in logs
    assert "+wf+loop^sub+range-from=3&to=4" in _states(attempt)


def test_error_task_runs_after_a_failure_with_the_message(
    write_project, digdag_run, local_target
) -> None:
    project = write_project(
        {
            "wf.dig": """
            _error:
              echo>: workflow failed because ${error.message}
            +ok:
              echo>: fine
            +boom:
              _error:
                echo>: task hook saw ${error.message}
              fail>: disk is full
            +never:
              echo>: not reached
            """,
        }
    )
    result = digdag_run(project, "wf")
    assert result.exit_code == 1
    attempt, logs = _last(local_target)
    assert attempt.status == "error"
    assert "task hook saw disk is full" in logs
    assert "workflow failed because disk is full" in logs
    assert "not reached" not in logs
    states = _states(attempt)
    assert states["+wf+boom"] == "error"
    assert states["+wf+never"] == "blocked"
    assert states["+wf"] == "group_error"
    assert states["+wf^error"] == "success"


def test_retry_reruns_a_task_and_a_whole_group(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": """
            +task:
              _retry: 2
              sh>: n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; test $n -ge 2
            +group:
              _retry:
                limit: 1
                interval: 0
                interval_type: exponential
              +first:
                sh>: echo run >> group_runs
              +second:
                sh>: test $(wc -l < group_runs) -ge 2
            +report:
              sh>: echo "task runs $(cat count), group runs $(wc -l < group_runs)"
            """,
        }
    )
    assert digdag_run(project, "wf").exit_code == 0
    _, logs = _last(local_target)
    assert "task runs 3, group runs 2" in logs
    assert "retrying (1/2)" in logs


def test_retry_gives_up_after_the_limit(write_project, digdag_run, local_target) -> None:
    project = write_project({"wf.dig": "+t:\n  _retry: 1\n  fail>: always\n"})
    assert digdag_run(project, "wf").exit_code == 1
    attempt, logs = _last(local_target)
    assert logs.count("retrying") == 1
    assert attempt.failed_tasks[0].error == "always"


def test_loop_for_each_with_expression_values_and_if(
    write_project, digdag_run, local_target
) -> None:
    project = write_project(
        {
            "wf.dig": """
            _export:
              regions: '["us", "eu"]'
            +loop:
              loop>: ${1 + 1}
              _do:
                echo>: loop ${i}
            +each:
              for_each>:
                region: ${regions}
                size: [1, 2]
              _do:
                echo>: each ${region} ${size}
            +branch:
              if>: ${JSON.parse(regions).length > 3}
              _do:
                echo>: long
              _else_do:
                echo>: short
            """,
        }
    )
    assert digdag_run(project, "wf").exit_code == 0
    attempt, logs = _last(local_target)
    assert "loop 0" in logs and "loop 1" in logs and "loop 2" not in logs
    for region in ("us", "eu"):
        for size in (1, 2):
            assert f"each {region} {size}" in logs
    assert "short" in logs and "long" not in logs
    assert "+wf+each^sub+for-0=region=1=eu&1=size=1=2" in _states(attempt)  # Digdag's naming


def test_py_store_export_and_subtasks(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": """
            _export:
              base: 10
            +gen:
              py>: scripts.gen.Generator.run
            +later:
              echo>: later sees ${total}
            """,
            "scripts/__init__.py": "",
            "scripts/gen.py": """
            import digdag

            class Generator:
                def run(self, base):
                    digdag.env.store({"total": int(base) * 2})
                    digdag.env.export({"label": "child"})
                    digdag.env.add_subtask(Generator.child, n=1)
                    digdag.env.add_subtask({"echo>": "${label} via dict"})

                def child(self, n, label):
                    print(f"child {n} {label}")
            """,
        }
    )
    result = digdag_run(project, "wf")
    assert result.exit_code == 0, result.stderr
    attempt, logs = _last(local_target)
    assert "child 1 child" in logs
    assert "child via dict" in logs
    assert "later sees 20" in logs
    assert _states(attempt)["+wf+gen^sub+subtask2"] == "success"


def test_py_error_fails_the_task_with_its_exception(
    write_project, digdag_run, local_target
) -> None:
    project = write_project(
        {
            "wf.dig": "+p:\n  py>: job.run\n",
            "job.py": "def run():\n    raise ValueError('bad row 7')\n",
        }
    )
    assert digdag_run(project, "wf").exit_code == 1
    attempt, logs = _last(local_target)
    assert "ValueError: bad row 7" in attempt.failed_tasks[0].error
    assert "Traceback" in logs


def test_call_require_check_and_wait(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": """
            +call:
              call>: sub/child.dig
            +need:
              require>: other
            +need_again:
              require>: other
            +checked:
              wait>: 0s
              _check:
                echo>: checked after wait
            """,
            "sub/child.dig": "+inner:\n  sh>: cat data.txt\n",
            "sub/data.txt": "called from sub\n",
            "other.dig": "+o:\n  echo>: other ran\n",
        }
    )
    assert digdag_run(project, "wf", "--session", "2024-05-01T00:00:00+00:00").exit_code == 0
    logs = local_target.logs("1")
    assert "called from sub" in logs
    assert "checked after wait" in logs
    sessions = local_target.sessions()
    assert [s["workflow"] for s in sessions] == ["wf", "other"]
    assert sessions[1]["session_time"] == "2024-05-01T00:00:00+00:00"
    assert sessions[1]["status"] == "success"
    assert sessions[1]["attempt_id"] == "2"  # the second require> found it done: no rerun


def test_params_and_session_variables(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": """
            timezone: America/Los_Angeles
            schedule:
              daily>: 07:00:00
            +show:
              echo>: ${target} ${td.database} ${session_local_time} ${last_session_date} ${next_session_date_compact} ${session_unixtime}
            """,
        }
    )
    result = digdag_run(
        project, "wf", "-p", "target=prod", "-p", "td.database=sales", "--session", "2024-03-10"
    )
    assert result.exit_code == 0, result.stderr
    _, logs = _last(local_target)
    assert "prod sales 2024-03-10 00:00:00 2024-03-09 20240311 1710057600" in logs


def test_sh_failure_reports_exit_code(write_project, digdag_run, local_target) -> None:
    project = write_project({"wf.dig": "+s:\n  sh>: echo oops; exit 3\n"})
    result = digdag_run(project, "wf")
    assert result.exit_code == 1
    assert "exited with code 3" in result.stdout
    _, logs = _last(local_target)
    assert "oops" in logs


def test_inspection_commands(write_project, digdag_run, run_cdpo, runtime_root: Path) -> None:
    project = write_project({"wf.dig": "+a:\n  echo>: first\n+b:\n  fail>: second broke\n"})
    digdag_run(project, "wf")
    root = ("--root", str(runtime_root))
    sessions = run_cdpo("digdag", "sessions", *root)
    assert "attempt id: 1" in sessions.stdout and "status: error" in sessions.stdout
    attempt = run_cdpo("digdag", "attempt", "1", *root)
    assert "status: error" in attempt.stdout and "second broke" in attempt.stdout
    tasks = run_cdpo("digdag", "tasks", "1", *root)
    assert "name: +wf+b" in tasks.stdout and "state: error" in tasks.stdout
    log = run_cdpo("digdag", "log", "1", "+wf+a", *root)
    assert "first" in log.stdout and "second broke" not in log.stdout
    missing = run_cdpo("digdag", "attempt", "99", *root)
    assert missing.exit_code == 2 and "attempt 99 not found" in missing.stderr


def test_parameter_scoping_export_store_local(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": """
            _export:
              v: exported
            +set:
              py>: steps.put
              value: stored
            +read:
              echo>: read ${v}
            +local:
              v: mine
              echo>: local ${v}
            +par:
              _parallel: true
              +left:
                py>: steps.put
                value: left
              +right:
                echo>: right sees ${v}
            +after:
              echo>: after ${v}
            +scoped:
              _export:
                only: inner
              +child:
                echo>: child ${only}
            +outside:
              echo>: "outside ${typeof only === 'undefined' ? 'none' : only}"
            +reexport:
              _export:
                v: newer export
              +child:
                echo>: child sees ${v}
            +last:
              echo>: last sees ${v}
            """,
            "steps.py": "import digdag\n\ndef put(value):\n    digdag.env.store({'v': value})\n",
        }
    )
    result = digdag_run(project, "wf", "-p", "v=from-cli")
    assert result.exit_code == 0, result.stdout
    _, logs = _last(local_target)
    assert "read stored" in logs  # a store overrides an earlier export
    assert "local mine" in logs  # the task's own key wins
    assert "right sees stored" in logs  # a parallel sibling does not see left's store
    assert "after left" in logs  # the group's store flows to later tasks
    assert "child inner" in logs and "outside none" in logs  # exports reach descendants only
    assert "child sees newer export" in logs  # an export defined after a store wins below it
    assert "last sees left" in logs  # ... and only there


def test_duplicated_keys_are_rejected(write_project, run_cdpo) -> None:
    project = write_project({"wf.dig": "_export:\n  a: 1\n_export:\n  b: 2\n+t:\n  echo>: x\n"})
    result = run_cdpo("digdag", "check", str(project))
    assert result.exit_code == 2
    assert "wf.dig:3: duplicated key '_export' (first at line 1)" in result.stderr


def test_secrets_come_from_the_environment_and_never_reach_logs(
    write_project, digdag_run, local_target, monkeypatch
) -> None:
    monkeypatch.setenv("CDPO_SECRET_DB_PASSWORD", "hunter2-very-secret")
    project = write_project(
        {
            "wf.dig": "+use:\n  sh>: echo password is ${secret:db.password}\n+boom:\n  fail>: bad ${secret:db.password}\n",
        }
    )
    assert digdag_run(project, "wf").exit_code == 1
    attempt, logs = _last(local_target)
    assert "password is ****" in logs
    assert "hunter2" not in logs and "hunter2" not in attempt.failed_tasks[0].error
    missing = write_project({"wf.dig": "+use:\n  echo>: ${secret:nope.key}\n"}, name="other")
    assert digdag_run(missing, "wf").exit_code == 1
    attempt, _ = _last(local_target)
    assert "secret 'nope.key' is not set" in attempt.failed_tasks[0].error


def test_cli_retry_resumes_from_the_failed_task(
    write_project, digdag_run, run_cdpo, runtime_root: Path, tmp_path: Path
) -> None:
    project = write_project(
        {
            "wf.dig": '+a:\n  sh>: echo a >> "$marks/a.txt"\n+b:\n  sh>: test -f "$marks/ok"\n',
        }
    )
    assert digdag_run(project, "wf", "-p", f"marks={tmp_path}").exit_code == 1
    (tmp_path / "ok").touch()
    result = run_cdpo("digdag", "retry", "1", "--root", str(runtime_root))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Started attempt 2" in result.stdout and "+wf+b success" in result.stdout
    assert (tmp_path / "a.txt").read_text() == "a\n"  # +a was not run again
