"""``sh>`` and ``py>``: local processes, killed when the attempt is killed.

``sh>`` runs the command with ``/bin/sh -c`` in the workflow's directory, with the task's scalar
params and ``_env`` as environment variables (https://docs.digdag.io/operators/sh.html).
``py>`` runs ``py_runner.py`` in a child Python with the ``digdag`` module
(https://docs.digdag.io/operators/py.html).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from cdpo.errors import WorkflowError
from cdpo.targets.local.digdag.context import OperatorContext, OperatorResult

__all__ = ["SHELL_OPERATORS"]

_POLL_SECONDS = 0.1


def _run_process(ctx: OperatorContext, argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` in the workflow's directory; kill it if the attempt is killed."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            argv,
            cwd=ctx.workflow_file.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while process.poll() is None:
            if ctx.cancel.wait(_POLL_SECONDS):
                process.kill()
                process.wait()
                raise WorkflowError("killed")
        output.seek(0)
        return process.returncode, output.read().decode("utf-8", errors="replace")


def _environment(ctx: OperatorContext) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in ctx.config.items():
        if (
            isinstance(value, str | int | float | bool)
            and not key.startswith("_")
            and key.isidentifier()
        ):
            env[key] = str(value).lower() if isinstance(value, bool) else str(value)
    extra = ctx.config.get("_env") or {}
    env.update({str(k): str(v) for k, v in extra.items()})
    return env


class Sh:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        code, text = _run_process(ctx, ["/bin/sh", "-c", str(ctx.command)], _environment(ctx))
        if text:
            ctx.log(text.rstrip("\n"))
        if code != 0:
            raise WorkflowError(f"command exited with code {code}: {ctx.command}")
        return OperatorResult()


class Py:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        params = {k: v for k, v in ctx.config.items() if k != "_command"}
        runner = resources.files(__package__).joinpath("py_runner.py")
        with tempfile.TemporaryDirectory() as scratch:
            source, target = Path(scratch, "in.json"), Path(scratch, "out.json")
            request = {
                "params": params,
                "command": str(ctx.command),
                "cwd": str(ctx.workflow_file.parent),
            }
            source.write_text(json.dumps(request, default=str), encoding="utf-8")
            python = str(ctx.config.get("python") or sys.executable)
            code, text = _run_process(
                ctx, [python, str(runner), str(source), str(target)], _environment(ctx)
            )
            if text:
                ctx.log(text.rstrip("\n"))
            if not target.is_file():
                raise WorkflowError(f"py>: {ctx.command} exited with code {code} before reporting")
            result: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
        if "error" in result:
            ctx.log(result.get("traceback", ""))
            raise WorkflowError(f"py>: {ctx.command}: {result['error']}")
        return OperatorResult(
            store=result["store"], export=result["export"], subtasks=result["subtasks"]
        )


SHELL_OPERATORS: dict[str, Any] = {"py": Py(), "sh": Sh()}
