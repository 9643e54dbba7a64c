"""The task tree of a Digdag workflow: ``+task`` keys become children, ``op>:`` keys operators.

Rules from https://docs.digdag.io/workflow_definition.html: keys starting with ``+`` are tasks
run in document order; ``foo>: bar`` is ``_type: foo`` with ``_command: bar``; every other key
is the task's configuration (``_export``, ``_parallel``, ``_retry``, ``_error``, operator options).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdpo.errors import ConfigError
from cdpo.targets.local.digdag.loader import Located, location_of

__all__ = ["TaskDef", "build_task", "workflow_task"]

# Keys a parent must not evaluate: Digdag evaluates them only when the generated child runs
# (ConfigEvalEngine.NO_EVALUATE_PARAMETERS), plus the hooks that become dynamic subtasks.
LAZY_KEYS = frozenset({"_do", "_else_do", "_error", "_check"})
# Workflow-level keys that are reported, not run.
WORKFLOW_ONLY_KEYS = frozenset({"schedule", "sla"})


@dataclass
class TaskDef:
    """One task: its local name (``+load``), own configuration, children, and where it is written."""

    name: str
    config: dict[str, Any]
    children: list[TaskDef] = field(default_factory=list)
    file: str | None = None
    line: int | None = None

    @property
    def operator(self) -> str | None:
        """The operator name (``td`` for ``td>:``), or None for a group."""
        kind = self.config.get("_type")
        return str(kind) if kind is not None else None

    def walk(self) -> Iterator[TaskDef]:
        """This task and every static descendant, including ``_do``/``_error``/``_check`` bodies."""
        yield self
        for child in self.children:
            yield from child.walk()
        for key in sorted(LAZY_KEYS):
            body = self.config.get(key)
            if isinstance(body, Mapping):
                yield from build_task(f"^{key.lstrip('_')}", body).walk()


def _operator_key(config: Mapping[str, Any]) -> list[str]:
    return [k for k in config if isinstance(k, str) and k.endswith(">")]


def build_task(
    name: str, body: Any, *, file: str | None = None, line: int | None = None
) -> TaskDef:
    """Build a task (and its children) from its YAML mapping.

    Raises:
        ConfigError: the body is not a mapping, names two operators, or mixes one with subtasks.
    """
    body_file, body_line = location_of(body)
    file, line = file or body_file, line or body_line
    if not isinstance(body, Mapping):
        raise ConfigError(
            f"task '{name}' must be a mapping of options or subtasks, got {body!r}",
            file=file,
            line=line,
            hint=f"Write it as `{name}:` followed by an indented `echo>: ...` or `+child:`.",
        )
    operators = _operator_key(body)
    if len(operators) > 1:
        raise ConfigError(
            f"task '{name}' names two operators: {', '.join(operators)}", file=file, line=line
        )
    config: dict[str, Any] = {}
    children: list[TaskDef] = []
    for key, value in body.items():
        if key.startswith("+"):
            child_file, child_line = location_of(body, key)
            children.append(build_task(key, value, file=child_file, line=child_line))
        elif key in operators:
            config["_type"] = key[:-1]
            config["_command"] = value
        else:
            config[key] = value
    if operators and children:
        raise ConfigError(
            f"task '{name}' has both an operator ({operators[0]}) and subtasks ({children[0].name})",
            file=file,
            line=line,
            hint="Move the operator into its own `+task` under the group.",
        )
    return TaskDef(name, config, children, file, line)


def workflow_task(workflow: str, document: Any, file: str) -> TaskDef:
    """The root task ``+<workflow>`` of a ``.dig`` file's parsed document."""
    if document is None:
        document = Located()
        document.file, document.line, document.key_lines = file, 1, {}
    if not isinstance(document, Mapping):
        raise ConfigError("a workflow file must be a YAML mapping of tasks", file=file, line=1)
    root = build_task(f"+{workflow}", document, file=file, line=1)
    if root.operator:
        line = document.line_of(f"{root.operator}>") if isinstance(document, Located) else 1
        raise ConfigError(
            f"the top level of a workflow cannot be an operator ({root.operator}>)",
            file=file,
            line=line,
            hint="Put it under a task: `+step:` then `  " + root.operator + ">: ...`.",
        )
    return root
