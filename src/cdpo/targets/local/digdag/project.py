"""A Digdag project on disk: its workflows (top-level ``*.dig``), their schedules, and ``check``.

Only top-level ``.dig`` files are workflows, as Digdag's archiver sees them; ``call>`` may still
name a ``.dig`` in a subdirectory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError, UnsupportedOperatorError, did_you_mean
from cdpo.targets.local.digdag.loader import Located, load_yaml
from cdpo.targets.local.digdag.session import Schedule, parse_schedule, zone
from cdpo.targets.local.digdag.tasks import TaskDef, workflow_task

__all__ = [
    "CheckReport",
    "Project",
    "Workflow",
    "check_project",
    "load_workflow",
    "load_workflow_from_archive",
]


@dataclass(frozen=True)
class Workflow:
    """One workflow: its root task, time zone and optional schedule."""

    name: str
    file: Path
    root: TaskDef
    timezone: str = "UTC"
    schedule: Schedule | None = None


def load_workflow(path: Path, name: str | None = None) -> Workflow:
    """Parse one ``.dig`` file into a ``Workflow``.

    Raises:
        ConfigError: bad YAML, a bad task, an unknown timezone or a malformed schedule.
    """
    path = Path(path)
    document = load_yaml(path)
    root = workflow_task(name or path.stem, document, str(path))
    lines = document if isinstance(document, Located) else None
    timezone = str(root.config.get("timezone", "UTC"))
    zone(timezone, file=str(path), line=lines.line_of("timezone") if lines else None)
    schedule = None
    if "schedule" in root.config:
        line = lines.line_of("schedule") if lines else None
        schedule = parse_schedule(root.config["schedule"], file=str(path), line=line)
    return Workflow(root.name[1:], path, root, timezone, schedule)


@dataclass
class Project:
    """A project directory and its parsed workflows (name → ``Workflow``)."""

    directory: Path
    workflows: dict[str, Workflow] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> Project:
        """Parse every top-level ``*.dig`` of ``directory``.

        Raises:
            ConfigError: the directory is missing or has no workflow, or a workflow is malformed.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise ConfigError(f"project directory not found: {directory}")
        files = sorted(directory.glob("*.dig"))
        if not files:
            raise ConfigError(
                f"no workflow (*.dig file) at the top of {directory}",
                hint="Digdag only treats top-level .dig files as workflows.",
            )
        return cls(directory, {f.stem: load_workflow(f) for f in files})

    def workflow(self, name: str) -> Workflow:
        """The workflow called ``name`` (``.dig`` suffix allowed)."""
        name = name.removesuffix(".dig")
        if name not in self.workflows:
            raise ConfigError(
                f"no workflow '{name}' in {self.directory}; it has: {', '.join(self.workflows)}."
                + did_you_mean(name, self.workflows)
            )
        return self.workflows[name]


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: workflows with their schedule, and every problem (file:line: text)."""

    project: Project
    problems: tuple[ConfigError, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_project(project: Project, operators: Any) -> CheckReport:
    """Every unsupported operator and static problem of every workflow, without running anything.

    ``operators`` is the registry (name → operator); an operator may define ``check(task, project)``
    returning problems (a missing query file, a ``call>`` to a missing workflow).
    """
    problems: list[ConfigError] = []
    for workflow in project.workflows.values():
        for task in workflow.root.walk():
            name = task.operator
            if name is None:
                continue
            operator = operators.get(name)
            if operator is None:
                problems.append(
                    UnsupportedOperatorError(
                        f"task '{task.name}' uses operator '{name}>', which the local runtime does not "
                        f"support.{did_you_mean(name, operators)}",
                        file=task.file,
                        line=task.line,
                        hint=f"Supported operators: {', '.join(sorted(n + '>' for n in operators))}.",
                    )
                )
                continue
            checker = getattr(operator, "check", None)
            if checker is not None:
                problems.extend(checker(task, workflow, project))
    return CheckReport(project, tuple(problems))


def load_workflow_from_archive(directory: Path, workflow: str) -> Workflow:
    """Load workflow ``workflow`` of a pushed project's extracted ``directory``."""
    return load_workflow(Path(directory) / f"{workflow}.dig", workflow)
