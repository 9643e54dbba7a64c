"""Which phases this version of cdpo implements, in pipeline order (``cdpo.phases.PHASES``).

A phase package exports one ``Phase`` subclass; it joins the pipeline by a line in ``_PHASE_CLASSES``.
A phase whose package is not there yet is simply absent: the orchestrator reports it as unavailable.
"""

from __future__ import annotations

import importlib
from functools import cache

from cdpo.phases.base import Phase, PhaseName

__all__ = ["implemented_phases"]

_PHASE_CLASSES: tuple[tuple[PhaseName, str, str], ...] = (
    (PhaseName.INGESTION, "cdpo.phases.ingestion", "IngestionPhase"),
    (PhaseName.HIST_UNION, "cdpo.phases.histunion", "HistUnionPhase"),
    (PhaseName.STAGING, "cdpo.phases.staging", "StagingPhase"),
    (PhaseName.UNIFICATION, "cdpo.phases.unification", "UnificationPhase"),
)


@cache
def implemented_phases() -> tuple[Phase, ...]:
    """One instance of each phase whose package has landed, in pipeline order."""
    phases: list[Phase] = []
    for _name, module_name, class_name in _PHASE_CLASSES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name and module_name.startswith(missing.name):
                continue
            raise
        if (cls := getattr(module, class_name, None)) is not None:
            phases.append(cls())
    return tuple(phases)
