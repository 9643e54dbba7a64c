"""A phase's time estimate for ``cdpo plan``: its workload, counted from its model, priced per target.

The orchestrator prefers the durations of the last recorded run when it has them; this is the
estimate before any run, so it counts work (workflows, connector loads, queries, tables) and not
rows, which ``cdpo plan`` cannot know without touching the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["COSTS", "Costs", "Workload", "estimate_seconds"]


@dataclass(frozen=True)
class Workload:
    """What a phase will make its target do, counted from the phase's model."""

    workflows: int = 1
    inputs: int = 0  # tables whose live schema GENERATE reads
    loads: int = 0  # waves of td_load> connector jobs that run one after another, with their logs
    queries: int = 0  # td> query jobs
    tables: int = 0  # tables VALIDATE counts and checks


@dataclass(frozen=True)
class Costs:
    """Seconds per unit of work on one kind of target."""

    project: float  # GENERATE and DEPLOY of one project
    workflow: float  # starting a workflow and seeing it end, beyond its tasks
    input: float
    load: float
    query: float
    table: float


COSTS: dict[str, Costs] = {
    # Measured: `cdpo demo` (small) on the 2-core reference machine, per step in
    # pipeline_state.json: 29 load waves (129 loads) in 45.6 s of ingestion, 22-24 queries per
    # later phase in 3-9 s, GENERATE reading 7-14 schemas in ~2.3 s, VALIDATE 0.07-0.76 s a table.
    "local": Costs(project=0.3, workflow=0.5, input=0.25, load=1.4, query=0.25, table=0.35),
    # Treasure Data, rough: a push ~30 s (spec §1.2 timing table), polling up to 30 s apart
    # (spec §1.7), a wave of connector jobs ~1.5 min and a Presto job ~15 s with queueing, one COUNT
    # query per validated table. The last run's durations replace these once it has run.
    "td": Costs(project=30.0, workflow=20.0, input=1.0, load=90.0, query=15.0, table=10.0),
}


def estimate_seconds(pipeline: Any, workload: Workload) -> float:
    """Seconds the phase should take on ``pipeline.target`` (``local`` or ``td``).

    Example:
        >>> from types import SimpleNamespace
        >>> estimate_seconds(SimpleNamespace(target="local"), Workload(queries=4, tables=2))
        2.5
    """
    costs = COSTS[pipeline.target]
    seconds = (
        costs.project
        + workload.workflows * costs.workflow
        + workload.inputs * costs.input
        + workload.loads * costs.load
        + workload.queries * costs.query
        + workload.tables * costs.table
    )
    return round(seconds, 1)
