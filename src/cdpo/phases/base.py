"""What a phase is to the orchestrator: a generator of one Digdag project and the checks on its output.

Every phase package (``ingestion/``, ``histunion/``, ``staging/``, ``unification/``) has the same shape:
``settings.py`` (its section of pipeline.yml), ``generate.py`` (writes the project) and ``checks.py``
(VALIDATE), and exports one ``Phase`` subclass. The orchestrator drives every phase through GENERATE →
DEPLOY → EXECUTE → MONITOR → VALIDATE and never looks inside one.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from cdpo.targets.base import Target

__all__ = [
    "CheckResult",
    "CheckStatus",
    "GeneratedProject",
    "Phase",
    "PhaseContext",
    "PhaseName",
    "PhasePlan",
    "WorkflowRun",
]


class PhaseName(StrEnum):
    """The four phases, in pipeline order; the values are pipeline.yml's section names."""

    INGESTION = "ingestion"
    HIST_UNION = "hist_union"
    STAGING = "staging"
    UNIFICATION = "unification"


@dataclass(frozen=True)
class WorkflowRun:
    """One workflow EXECUTE starts, in order, with its session parameters."""

    workflow: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PhasePlan:
    """What a phase will do, known from pipeline.yml alone (``cdpo plan``): no target is touched."""

    project: str
    runs: tuple[WorkflowRun, ...]
    files: tuple[str, ...]
    tables: tuple[str, ...]
    estimated_seconds: float = 0.0


@dataclass(frozen=True)
class GeneratedProject:
    """A Digdag project a phase wrote: where it is, what it holds, what to run, what it will create.

    ``files`` are paths relative to ``directory``; ``tables`` are ``database.table`` names the runs
    create, derived from the same model that rendered the files (never from a name formula).
    """

    project: str
    directory: Path
    files: tuple[str, ...]
    runs: tuple[WorkflowRun, ...]
    tables: tuple[str, ...]


class CheckStatus(StrEnum):
    """A VALIDATE check's verdict: PASS continues, WARN asks, FAIL decides (retry/skip/abort)."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    """One VALIDATE check; ``metrics`` carries numbers the report shows (row counts, rates)."""

    name: str
    status: CheckStatus
    detail: str
    table: str | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PhaseContext:
    """What a phase may use: the validated pipeline, the target, and where the pipeline lives.

    ``pipeline`` is a ``cdpo.config.PipelineConfig``; ``root`` is the directory of pipeline.yml, under
    which each phase writes its project (``root / plan.project``).
    """

    pipeline: Any
    target: Target
    root: Path


class Phase(abc.ABC):
    """A phase of the pipeline. Subclasses are stateless; everything they need is in the context."""

    name: ClassVar[PhaseName]
    title: ClassVar[str]

    def enabled(self, pipeline: Any) -> bool:
        """Whether pipeline.yml asks for this phase: its section (named ``name``) is present and on."""
        section = getattr(pipeline, self.name.value, None)
        return section is not None and bool(getattr(section, "enabled", True))

    @abc.abstractmethod
    def plan(self, pipeline: Any) -> PhasePlan:
        """What the phase will generate, run and create, from pipeline.yml alone."""

    def inputs(self, pipeline: Any) -> tuple[str, ...]:
        """``database.table`` names the phase reads; pre-flight checks those no earlier phase creates."""
        return ()

    @abc.abstractmethod
    def generate(self, context: PhaseContext) -> GeneratedProject:
        """Write the Digdag project under ``context.root``; may read live schemas from the target.

        Raises:
            GenerateError: an input the project needs is missing or unusable (named in the message).
        """

    @abc.abstractmethod
    def validate(self, context: PhaseContext, project: GeneratedProject) -> list[CheckResult]:
        """Ask the warehouse, by SQL through the target, whether the phase's output is right."""
