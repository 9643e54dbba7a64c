"""Progress (plain lines, live grid), doctor findings, and the report's sections and charts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from cdpo.orchestrator import Event, EventKind, StepName
from cdpo.orchestrator.report import Chart, svg_bar_chart
from cdpo.phases import PhaseName
from cdpo.printers.pipeline import ProgressView
from cdpo.targets import AttemptStatus

from .conftest import Project


def test_plain_progress_lines_are_timestamped_when_not_a_tty(project: Project) -> None:
    result = project.cli("run", "--yes")
    lines = result.stdout.splitlines()
    started = r"\d\d:\d\d:\d\dZ ingestion/execute workflow_started: hist: session \d+, attempt \d+"
    assert any(re.fullmatch(started, line) for line in lines), lines[:20]
    assert any(line.endswith("pipeline run_finished: pipeline completed") for line in lines)


def test_live_grid_shows_each_step_symbol() -> None:
    view = ProgressView(live=False)
    now = datetime.now(UTC)

    def event(kind: EventKind, step: StepName | None = None, **data: str) -> None:
        view(Event(kind, "m", PhaseName.INGESTION, step, data, now))

    event(EventKind.PHASE_STARTED)
    event(EventKind.STEP_FINISHED, StepName.GENERATE)
    event(EventKind.STEP_FAILED, StepName.DEPLOY)
    event(EventKind.STEP_STARTED, StepName.MONITOR)
    event(EventKind.WORKFLOW_STARTED, StepName.EXECUTE, session_id="12", attempt_id="34")
    event(EventKind.POLL, StepName.MONITOR, task="+wf+load")
    table = view._render()
    cells = [list(column.cells) for column in table.columns]
    ingestion = [column[0] for column in cells]
    assert ingestion[:6] == ["ingestion", "✓", "✗", "□", "⏳", "□"]
    assert ingestion[7:] == ["12/34", "+wf+load"]
    assert [column[1] for column in cells][1:6] == ["□"] * 5


def test_doctor_reports_connectivity_databases_and_input_tables(project: Project) -> None:
    staging = project.phases[2]
    staging.reads = (  # type: ignore[attr-defined]
        "northwind_retail_src.fresh",
        "northwind_retail_src.stale",
        "northwind_retail_src.notime",
        "northwind_retail_src.missing",
        "northwind_retail_src.empty",
    )
    target = project.target
    target.add_table("northwind_retail_src", "fresh", 3)
    target.add_table("northwind_retail_src", "stale", 3, age_days=30)
    target.add_table("northwind_retail_src", "empty", 0)
    target.query('CREATE TABLE "northwind_retail_src"."notime" AS SELECT 1 AS email')
    result = project.cli("doctor")
    assert result.exit_code == 1, "a CRITICAL finding fails doctor"
    out = " ".join(result.stdout.split())
    assert "CRITICAL table_exists: northwind_retail_src.missing: input table does not exist" in out
    assert "CRITICAL time_column: northwind_retail_src.notime: no bigint 'time' column" in out
    assert "WARNING freshness: northwind_retail_src.stale: newest row is 30 days old" in out
    assert "WARNING has_data: northwind_retail_src.empty: the table is empty" in out
    assert "northwind_retail_src.fresh" not in out
    assert "WARNING database_missing: northwind_retail_stg: stg database" in out
    assert "INFO connectivity: fake target answers" in out
    assert "INFO gitignore: .gitignore should list" in out
    run = project.cli("run", "--yes")
    assert run.exit_code == 2 and "pre-flight found critical problems" in run.stderr
    assert project.target.called("push") == 0


def test_report_on_abort_is_partial_and_lists_decisions_and_sessions(project: Project) -> None:
    project.target.outcomes["inc"] = AttemptStatus.ERROR
    project.cli("run", "--on-failure", "abort")
    report = (project.root / "pipeline_report.md").read_text()
    assert "PARTIAL REPORT: the run is aborted" in report
    assert "| Ingestion | failed | " in report
    assert re.search(r"\| Ingestion \| inc \| \d+ \| \d+ \| error \|", report)
    assert "| session_error | abort | policy(on_failure=abort" in report
    assert "Fix Ingestion (phase ingestion, step monitor failed" in report
    assert "ingestion/hist.dig" in report and "Total Files: 3" in report
    html = (project.root / "pipeline_report.html").read_text()
    assert 'class="partial"' in html


def test_svg_chart_scales_bars_and_escapes_labels() -> None:
    svg = svg_bar_chart(Chart("rows <per> table", (("a&b", 10.0), ("c", 5.0))))
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths == [420, 210]
    assert "a&amp;b" in svg and "rows &lt;per&gt; table" in svg


def test_metric_maps_become_charts_with_percentages_for_ratios() -> None:
    from cdpo.orchestrator import PipelineState
    from cdpo.orchestrator.report import build_sections, render_html, render_markdown
    from cdpo.orchestrator.state import CheckState

    state = PipelineState.new({"client": "northwind_retail", "target": "local"}, "")
    state.phase(PhaseName.UNIFICATION).checks = [
        CheckState(
            name="unification_profiles",
            status="pass",
            detail="ok",
            metrics={"merge_sizes": {"1": 40, "2": 12}, "largest_profile": 2, "nested": {"a": {}}},
        ),
        CheckState(
            name="unification_coverage",
            status="pass",
            detail="ok",
            metrics={"per_table": {"orders": 0.955, "customers": 1.0}, "ids": {"a": 1}},
        ),
    ]
    sections = build_sections(state)
    html, markdown = render_html(sections), render_markdown(sections)
    assert "unification_profiles: merge_sizes" in html and "| 1 | 40 |" in markdown
    assert "95.5%" in html and "| orders | 95.5% |" in markdown
    assert "| customers | 100.0% |" in markdown and "| a | 1 |" in markdown
    assert "nested" not in html
    assert "largest_profile=2" in markdown
