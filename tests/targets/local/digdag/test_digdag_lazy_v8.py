"""V8 starts at the first ``${...}`` that needs JavaScript, once per process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    from cdpo.targets.local.digdag import Evaluator

    first, second = Evaluator(), Evaluator()
    print(first.render("${a.b} ${c}", {"a": {"b": "x"}, "c": 1}), "py_mini_racer" in sys.modules)
    print(first.render("${c + 1}", {"c": 1}), second.render("${c * 3}", {"c": 2}))
    """
)


def test_plain_references_skip_v8_and_evaluators_share_one_context() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr  # two contexts could hang the exit
    assert done.stdout.splitlines() == ["x 1 False", "2 6"]
