"""Digdag's control operators: ``echo>``, ``fail>``, ``call>``, ``require>``, ``loop>``,
``for_each>``, ``for_range>``, ``if>`` and ``wait>`` (https://docs.digdag.io/operators.html).

Loop-like operators generate subtasks from their unevaluated ``_do`` (evaluated per iteration).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError, WorkflowError
from cdpo.targets.local.digdag.context import OperatorContext, OperatorResult
from cdpo.targets.local.digdag.loader import located_like

__all__ = ["CONTROL_OPERATORS", "parse_duration", "with_export"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: Any, field: str) -> float:
    """Seconds of a Digdag duration (``10s``, ``5m``, ``1h``, ``2d``, or a bare number of seconds).

    Example:
        >>> parse_duration("5m", "wait")
        300.0
    """
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(
            f"invalid duration {value!r}", field=field, hint="Use e.g. 30s, 5m, 1h or 2d."
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _body(ctx: OperatorContext, key: str, *, required: bool = True) -> Mapping[str, Any] | None:
    body = ctx.raw.get(key)
    if body is None and not required:
        return None
    if not isinstance(body, Mapping):
        raise ConfigError(
            f"{ctx.raw.get('_type')}> needs a `{key}:` mapping of tasks", field=ctx.task_name
        )
    return body


def with_export(body: Mapping[str, Any], export: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with ``export`` added to its ``_export`` (how Digdag passes ``${i}`` to ``_do``)."""
    own = body.get("_export") or {}
    return located_like(body, {**body, "_export": {**own, **export}})


def _generated(children: dict[str, Any], parallel: Any) -> dict[str, Any]:
    return {**({"_parallel": parallel} if parallel else {}), **children}


class Echo:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        ctx.log(str(ctx.command if ctx.command is not None else ""))
        return OperatorResult()


class Fail:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        raise WorkflowError(str(ctx.command or "failed"))


class Call:
    """``call>: other.dig`` embeds another workflow of the project as this task's subtasks."""

    def run(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.digdag.loader import load_yaml
        from cdpo.targets.local.digdag.tasks import workflow_task

        name = str(ctx.command)
        path = ctx.path(name if name.endswith(".dig") else f"{name}.dig")
        if not path.is_file():
            raise ConfigError(f"call>: workflow file not found: {path}", field=ctx.task_name)
        document = load_yaml(path)
        workflow_task(path.stem, document, str(path))
        body = {k: v for k, v in document.items() if k not in {"timezone", "schedule", "sla"}}
        return OperatorResult(subtasks=body, workflow_file=path)

    def check(self, task: Any, workflow: Any, project: Any) -> list[ConfigError]:
        name = str(task.config.get("_command"))
        if "${" in name:
            return []
        path = Path(task.file or workflow.file).parent / (
            name if name.endswith(".dig") else f"{name}.dig"
        )
        if path.is_file():
            return []
        return [
            ConfigError(f"call>: workflow file not found: {path}", file=task.file, line=task.line)
        ]


class Require:
    """``require>: wf`` runs another workflow's session for this session time and waits for it."""

    def run(self, ctx: OperatorContext) -> OperatorResult:
        if ctx.settings.require is None:
            raise WorkflowError(
                "require> needs the session store, which this run has not", task=ctx.task_name
            )
        ok = ctx.settings.require(
            workflow=str(ctx.command).removesuffix(".dig"),
            session_time=ctx.config.get("session_time"),
            params=ctx.config.get("params") or {},
            rerun_on=str(ctx.config.get("rerun_on", "none")),
            cancel=ctx.cancel,
        )
        if not ok and not _truthy(ctx.config.get("ignore_failure", False)):
            raise WorkflowError(f"required workflow '{ctx.command}' did not succeed")
        return OperatorResult()


class Loop:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        try:
            count = int(str(ctx.command))
        except ValueError:
            raise ConfigError(
                f"loop> needs a number of iterations, got {ctx.command!r}", field=ctx.task_name
            ) from None
        body = _body(ctx, "_do")
        assert body is not None
        children = {f"+loop-{i}": with_export(body, {"i": i}) for i in range(count)}
        return OperatorResult(subtasks=_generated(children, ctx.config.get("_parallel")))


def _values(value: Any, key: str) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ConfigError(
                f"for_each>: values of '{key}' must be a list (or a JSON list), got {value!r}"
            ) from None
    if not isinstance(value, list):
        raise ConfigError(f"for_each>: values of '{key}' must be a list, got {value!r}")
    return value


def _name_tag(value: Any) -> str:
    """Digdag's ``nameTag``: text (JSON for non-strings) cut to 8 characters, URL-encoded."""
    from urllib.parse import quote_plus

    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return quote_plus(text[:8]).replace("+", "%20")


def _for_each_name(keys: list[str], indexes: tuple[int, ...], values: tuple[Any, ...]) -> str:
    """``+for-0=fruit=1=banana&1=n=0=1``, as ForEachOperatorFactory.buildTaskName names it."""
    parts = [
        f"{k}={_name_tag(key)}={i}={_name_tag(value)}"
        for k, (key, i, value) in enumerate(zip(keys, indexes, values, strict=True))
    ]
    return "+for-" + "&".join(parts)


class ForEach:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        spec = ctx.command
        if isinstance(spec, str):
            spec = json.loads(spec) if spec.strip().startswith("{") else None
        if not isinstance(spec, Mapping):
            raise ConfigError("for_each> needs a mapping of name: [values]", field=ctx.task_name)
        body = _body(ctx, "_do")
        assert body is not None
        keys = list(spec)
        lists = [_values(spec[k], k) for k in keys]
        children: dict[str, Any] = {}
        for indexes in itertools.product(*(range(len(values)) for values in lists)):
            combo = tuple(values[i] for values, i in zip(lists, indexes, strict=True))
            name = _for_each_name(keys, indexes, combo)
            children[name] = with_export(body, dict(zip(keys, combo, strict=True)))
        return OperatorResult(subtasks=_generated(children, ctx.config.get("_parallel")))


class ForRange:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        spec = ctx.command if isinstance(ctx.command, Mapping) else {}
        try:
            start, end = int(spec["from"]), int(spec["to"])
            if "slices" in spec and "step" in spec:
                raise ValueError("both step and slices")
            if "slices" in spec:
                slices = int(spec["slices"])
                step = -(-(end - start) // slices)
            else:
                step = int(spec["step"])
        except (KeyError, ValueError, TypeError):
            raise ConfigError(
                "for_range> needs {from: N, to: M, step: S} or {..., slices: K}",
                field=ctx.task_name,
            ) from None
        if step <= 0:
            raise ConfigError("for_range>: step must be positive", field=ctx.task_name)
        body = _body(ctx, "_do")
        assert body is not None
        children = {}
        for index, lower in enumerate(range(start, end, step)):
            upper = min(lower + step, end)
            export = {"range": {"from": lower, "to": upper, "index": index}}
            children[f"+range-from={lower}&to={upper}"] = with_export(body, export)
        return OperatorResult(subtasks=_generated(children, ctx.config.get("_parallel")))


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"true", "false"}:
        raise ConfigError(f"expected true or false, got {value!r}")
    return text == "true"


class If:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        if "_do" not in ctx.raw and "_else_do" not in ctx.raw:
            raise ConfigError("if> needs `_do:` or `_else_do:` (or both)", field=ctx.task_name)
        branch = "_do" if _truthy(ctx.command) else "_else_do"
        body = _body(ctx, branch, required=False)
        return OperatorResult(subtasks=body) if body is not None else OperatorResult()


class Wait:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        seconds = parse_duration(ctx.command, "wait>")
        if not ctx.wait(seconds):
            raise WorkflowError("killed while waiting")
        return OperatorResult()


CONTROL_OPERATORS: dict[str, Any] = {
    "call": Call(),
    "echo": Echo(),
    "fail": Fail(),
    "for_each": ForEach(),
    "for_range": ForRange(),
    "if": If(),
    "loop": Loop(),
    "require": Require(),
    "wait": Wait(),
}
