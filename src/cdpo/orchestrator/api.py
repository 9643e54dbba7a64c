"""The library functions behind the CLI commands: each takes a path and returns a result object."""

from __future__ import annotations

from pathlib import Path

from cdpo.config import find_pipeline, load_pipeline
from cdpo.orchestrator.plan import PipelinePlan, plan_pipeline

__all__ = ["plan_from_file"]


def plan_from_file(path: Path | str = ".") -> PipelinePlan:
    """Load pipeline.yml (a file or its directory) and plan it with the implemented phases."""
    import cdpo.phases

    return plan_pipeline(load_pipeline(find_pipeline(path)), cdpo.phases.PHASES)
