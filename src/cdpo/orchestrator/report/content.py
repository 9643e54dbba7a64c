"""What the report says, built from ``pipeline_state.json`` alone (spec §1.10, honest per §5.17).

The content is a list of ``Section``s, each an ordered list of blocks (paragraphs, tables, bar
charts, code); ``markdown.py`` and ``html.py`` render the same sections, so the two reports never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cdpo.orchestrator.logs import LOG_DIR
from cdpo.orchestrator.state import PhaseState, PipelineState, RunStatus, Status

__all__ = [
    "Block",
    "Chart",
    "Code",
    "Section",
    "Table",
    "build_sections",
    "human_duration",
    "human_rows",
]

TITLES = {
    "ingestion": "Ingestion",
    "hist_union": "Hist-Union",
    "staging": "Staging",
    "unification": "Unification",
}


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: one bar per label; unit ``%`` shows ratios as percentages."""

    title: str
    bars: tuple[tuple[str, float], ...]
    unit: str = "rows"

    def label(self, value: float) -> str:
        """A bar's value as printed next to it."""
        if self.unit == "%":
            return f"{value:.1%}"
        return f"{human_rows(int(value))} {self.unit}".rstrip()


@dataclass(frozen=True)
class Code:
    """A preformatted block: file trees, SQL to run."""

    text: str


Block = str | Table | Chart | Code
"""A paragraph (``str``), a table, a chart or a code block, rendered in order."""


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


def human_duration(seconds: float) -> str:
    """``3h 43m 15s`` style.

    Example:
        >>> human_duration(13395)
        '3h 43m 15s'
    """
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def human_rows(count: int) -> str:
    """Rows abbreviated as the spec's summary shows them.

    Example:
        >>> human_rows(1_234_567), human_rows(950)
        ('1.2M', '950')
    """
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if count >= size:
            return f"{count / size:.1f}{suffix}"
    return str(count)


def build_sections(state: PipelineState) -> list[Section]:
    """Every section of the report, in order."""
    phases = [state.phases[name] for name in state.phases]
    return [
        _header(state),
        _summary(phases),
        _files(phases),
        _quality(phases),
        _preflight(state),
        _decisions(state),
        _deployments(state, phases),
        _next_steps(state, phases),
    ]


def _header(state: PipelineState) -> Section:
    total = _elapsed(state.started_at, state.finished_at)
    section = Section(
        f"CDP pipeline report: {state.global_config.get('client', '')}",
        [
            f"Pipeline ID: {state.pipeline_id}",
            f"Target: {_target(state)}",
            f"Started: {state.started_at}",
            f"Completed: {state.finished_at or 'not finished'}",
            f"Total Duration: {human_duration(total)}",
            f"Status: {state.status.value}",
        ],
    )
    if state.status is not RunStatus.COMPLETED:
        why = f": {state.error}" if state.error else ""
        section.blocks.append(f"PARTIAL REPORT: the run is {state.status.value}{why}")
    return section


def _target(state: PipelineState) -> str:
    target = state.global_config.get("target", "")
    return f"{target} ({state.global_config['td_endpoint']})" if target == "td" else target


def _elapsed(start: str | None, end: str | None) -> float:
    if not start or not end:
        return 0.0
    parse = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(end, parse) - datetime.strptime(start, parse)).total_seconds()


def _summary(phases: list[PhaseState]) -> Section:
    rows = [
        (
            TITLES[p.name.value],
            p.status.value + (f" ({p.skip_reason})" if p.skip_reason else ""),
            human_duration(p.duration_seconds),
            str(len(p.tables)),
            human_rows(p.rows),
            p.session_id or "-",
        )
        for p in phases
    ]
    total = (
        "**TOTAL**",
        "",
        human_duration(sum(p.duration_seconds for p in phases)),
        str(sum(len(p.tables) for p in phases)),
        human_rows(sum(p.rows for p in phases)),
        "-",
    )
    header = ("Phase", "Status", "Duration", "Tables", "Rows", "Session ID")
    return Section("Execution summary", [Table(header, (*rows, total))])


def _files(phases: list[PhaseState]) -> Section:
    section = Section("Files generated")
    for p in phases:
        if p.files:
            section.blocks.append(
                f"{TITLES[p.name.value]}: {len(p.files)} files in {p.project_dir}"
            )
            section.blocks.append(Code("\n".join(f"{p.project}/{f}" for f in sorted(p.files))))
    section.blocks.append(f"Total Files: {sum(len(p.files) for p in phases)}")
    return section


def _quality(phases: list[PhaseState]) -> Section:
    section = Section("Data quality")
    for p in phases:
        counted = [(t.name, float(t.row_count)) for t in p.tables if t.row_count is not None]
        if counted:
            section.blocks.append(Chart(f"Rows per table: {TITLES[p.name.value]}", tuple(counted)))
        for check in p.checks:
            section.blocks += _metric_charts(check.name, check.metrics)
    rows = tuple(
        (
            TITLES[p.name.value],
            c.name,
            c.table or "-",
            c.status.upper(),
            c.detail,
            _metrics(c.metrics),
        )
        for p in phases
        for c in p.checks
    )
    if rows:
        section.blocks.append(
            Table(("Phase", "Check", "Table", "Result", "Detail", "Metrics"), rows)
        )
    else:
        section.blocks.append("No validation has run yet.")
    return section


def _metric_charts(check: str, metrics: dict[str, object]) -> list[Block]:
    """A chart per metric that maps labels to numbers (unification merge sizes, coverage per
    table…); ratios in [0, 1] are shown as percentages."""
    charts: list[Block] = []
    for key, value in metrics.items():
        if not isinstance(value, dict) or not value:
            continue
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()):
            continue
        bars = tuple((str(k), float(v)) for k, v in value.items())
        ratio = all(isinstance(v, float) and 0 <= v <= 1 for v in value.values())
        charts.append(Chart(f"{check}: {key}", bars, "%" if ratio else ""))
    return charts


def _metrics(metrics: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in metrics.items() if not isinstance(v, dict | list))


def _preflight(state: PipelineState) -> Section:
    rows = tuple(
        (
            f.get("severity", "").upper(),
            f.get("check", ""),
            f.get("table", "-"),
            f.get("detail", ""),
        )
        for f in state.preflight
    )
    tables = [Table(("Severity", "Check", "Table", "Detail"), rows)] if rows else []
    return Section("Pre-flight checks", list(tables))


def _decisions(state: PipelineState) -> Section:
    rows = tuple(
        (d.at, d.phase, d.step, d.situation, d.choice, d.by, d.reason) for d in state.decisions
    )
    if not rows:
        return Section("Decisions", ["No decision was needed."])
    header = ("At", "Phase", "Step", "Situation", "Choice", "By", "Reason")
    return Section("Decisions", [Table(header, rows)])


def _deployments(state: PipelineState, phases: list[PhaseState]) -> Section:
    local = state.global_config.get("target") != "td"
    endpoint = state.global_config.get("td_endpoint", "")
    rows = []
    for p in phases:
        for w in p.workflows:
            if w.attempt_id:
                inspect = (
                    f"cdpo digdag attempt {w.attempt_id}"
                    if local
                    else f"td -e {endpoint} wf session {w.session_id}"
                )
                rows.append(
                    (
                        TITLES[p.name.value],
                        w.workflow,
                        w.session_id or "-",
                        w.attempt_id,
                        w.status,
                        human_duration(w.duration_seconds),
                        inspect,
                    )
                )
    header = ("Phase", "Workflow", "Session", "Attempt", "Status", "Duration", "Inspect with")
    day = state.started_at[:10].replace("-", "")
    section = Section("Deployment records", [f"Logs: {LOG_DIR}/{day}/"])
    if rows:
        section.blocks.append(Table(header, tuple(rows)))
    return section


def _next_steps(state: PipelineState, phases: list[PhaseState]) -> Section:
    section = Section("Next steps")
    done = [p for p in phases if p.status is Status.COMPLETED]
    failed = [p for p in phases if p.status is Status.FAILED or p.error]
    if failed:
        section.blocks.append(
            f"Fix {TITLES[failed[0].name.value]} ({failed[0].error}), then run `cdpo retry`."
        )
    for p in done:
        for w in p.workflows:
            section.blocks.append(
                f"Schedule {p.project}/{w.workflow}: add a `schedule:` block (e.g. `daily>: 02:00:00`) "
                "to its .dig file and push it again."
            )
    verify = [f"SELECT COUNT(*) FROM {t.name};" for p in done for t in p.tables]
    verify += _monitoring_queries(state, {p.name.value for p in done})
    if verify:
        section.blocks.append("Verification and monitoring queries:")
        section.blocks.append(Code("\n".join(verify)))
    return section


def _monitoring_queries(state: PipelineState, done: set[str]) -> list[str]:
    """Freshness of each ingested table (``ingestion_log``), as spec §1.10 item 6 suggests."""
    src = state.global_config.get("database_src")
    if "ingestion" not in done or not src:
        return []
    return [
        "-- data freshness: the last successful load of each table",
        f"SELECT table_name, MAX(time) AS last_load FROM {src}.ingestion_log "
        "WHERE status = 'SUCCESS' GROUP BY table_name;",
    ]
