"""td_load>'s config file: read as YAML after rendering, with the pure-Python loader's errors."""

from __future__ import annotations

import pytest

from cdpo.targets.local import LocalTarget

WORKFLOW = """
+db:
  td_ddl>:
  create_databases: [src]
+load:
  td_load>: load.yml
  database: src
  table: numbers
  _export:
    mode: replace
"""


@pytest.mark.parametrize(
    ("config", "rows"),
    [
        ("in: {type: file, path_prefix: n.csv}\nout: {mode: append}\n", 2),
        (  # a value rendered into the file: the config is read after rendering
            "in:\n  type: file\n  path_prefix: n.csv\nout:\n  mode: ${mode}\n",
            2,
        ),
    ],
)
def test_a_rendered_load_config_is_read(
    write_project, digdag_run, local_target: LocalTarget, config: str, rows: int
) -> None:
    project = write_project({"wf.dig": WORKFLOW, "load.yml": config, "n.csv": "n\n1\n2\n"})
    result = digdag_run(project, "wf")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert {t.name: t.row_count for t in local_target.tables("src")} == {"numbers": rows}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("in:\n  type: file\n  x: [1, 2\n", "expected ',' or ']', but got '<stream end>'"),
        ("in:\n  type: file\n\tout: 2\n", "found character '\\t' that cannot start any token"),
    ],
)
def test_invalid_yaml_in_a_load_config_shows_the_line(
    write_project, digdag_run, local_target: LocalTarget, config: str, message: str
) -> None:
    project = write_project({"wf.dig": WORKFLOW, "load.yml": config})
    assert digdag_run(project, "wf").exit_code == 1
    error = local_target.attempt(local_target.sessions()[-1]["attempt_id"]).failed_tasks[0].error
    assert error is not None and "invalid YAML in load.yml" in error
    assert message in error and "^" in error  # PyYAML's own message, with the line marked
