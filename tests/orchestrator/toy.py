"""Small real phases for orchestrator tests: each writes a Digdag project and checks tables by SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdpo.phases import (
    CheckResult,
    CheckStatus,
    GeneratedProject,
    Phase,
    PhaseContext,
    PhaseName,
    PhasePlan,
    WorkflowRun,
)

PIPELINE = """\
client: northwind_retail
orchestration:
  poll_initial_seconds: 0
  poll_max_seconds: 0
  retry_delay_seconds: 0
  retry_limit: 2
"""


class ToyPhase(Phase):
    """A phase whose project holds one ``.dig`` per workflow and a query; each run creates a table."""

    def __init__(self, name: PhaseName, *, workflows: tuple[str, ...]) -> None:
        self.name = name  # type: ignore[misc]
        self.title = name.value
        self.workflows = workflows
        self.generate_failures = 0
        self.generated = 0
        self.pipelines: list[Any] = []  # the pipeline each GENERATE saw
        self.drop_file = False
        self.reads: tuple[str, ...] = ()

    def enabled(self, pipeline: Any) -> bool:
        return True

    def inputs(self, pipeline: Any) -> tuple[str, ...]:
        return self.reads

    def table(self, pipeline: Any, workflow: str) -> str:
        return f"{pipeline.databases.src}.{self.name.value}_{workflow}"

    def plan(self, pipeline: Any) -> PhasePlan:
        return PhasePlan(
            project=self.name.value,
            runs=tuple(WorkflowRun(w, {"n": 1}) for w in self.workflows),
            files=(*(f"{w}.dig" for w in self.workflows), "queries/build.sql"),
            tables=tuple(self.table(pipeline, w) for w in self.workflows),
            estimated_seconds=90,
        )

    def generate(self, context: PhaseContext) -> GeneratedProject:
        from cdpo.errors import GenerateError

        self.generated += 1
        self.pipelines.append(context.pipeline)
        if self.generate_failures:
            self.generate_failures -= 1
            raise GenerateError(f"{self.name.value}: the source schema is unreadable")
        plan = self.plan(context.pipeline)
        directory = Path(context.root) / plan.project
        (directory / "queries").mkdir(parents=True, exist_ok=True)
        for workflow in self.workflows:
            (directory / f"{workflow}.dig").write_text(
                f"timezone: UTC\n+build:\n  td>: queries/build.sql\n  create_table: {workflow}\n"
            )
        if not self.drop_file:
            (directory / "queries/build.sql").write_text("SELECT 1 AS one\n")
        return GeneratedProject(plan.project, directory, plan.files, plan.runs, plan.tables)

    def validate(self, context: PhaseContext, project: GeneratedProject) -> list[CheckResult]:
        results = []
        for table in project.tables:
            database, name = table.split(".")
            found = {t.name: t.row_count for t in context.target.tables(database)}
            if name not in found:
                results.append(CheckResult("table_exists", CheckStatus.FAIL, "missing", table))
            elif found[name] == 0:
                results.append(CheckResult("has_rows", CheckStatus.WARN, "empty", table))
            else:
                rows = {"rows": found[name]}
                results.append(CheckResult("has_rows", CheckStatus.PASS, "ok", table, rows))
        return results


def toy_phases(**workflows: tuple[str, ...]) -> tuple[ToyPhase, ...]:
    """The four phases as toys; ``ingestion=("hist", "inc")`` gives a phase two workflows."""
    return tuple(
        ToyPhase(name, workflows=workflows.get(name.value, (f"{name.value}_wf",)))
        for name in PhaseName
    )


def effects(phases: tuple[ToyPhase, ...], rows: int = 5) -> dict[str, list[tuple[str, str, int]]]:
    """FakeTarget effects: each workflow's successful attempt creates its phase's table."""
    return {
        w: [("northwind_retail_src", f"{p.name.value}_{w}", rows)]
        for p in phases
        for w in p.workflows
    }
