"""``pipeline_report.md`` and ``pipeline_report.html``, built from the state file alone."""

from __future__ import annotations

from pathlib import Path

from cdpo.errors import redact
from cdpo.orchestrator.report.content import Block, Chart, Code, Section, Table, build_sections
from cdpo.orchestrator.report.html import render_html, svg_bar_chart
from cdpo.orchestrator.report.markdown import render_markdown
from cdpo.orchestrator.state import PipelineState

__all__ = [
    "REPORT_HTML",
    "REPORT_MARKDOWN",
    "Block",
    "Chart",
    "Code",
    "Section",
    "Table",
    "build_sections",
    "render_html",
    "render_markdown",
    "svg_bar_chart",
    "write_report",
]

REPORT_MARKDOWN = "pipeline_report.md"
REPORT_HTML = "pipeline_report.html"


def write_report(state: PipelineState, root: Path) -> tuple[Path, Path]:
    """Write both reports under ``root`` (a partial one when the run did not complete)."""
    sections = build_sections(state)
    markdown, html = Path(root) / REPORT_MARKDOWN, Path(root) / REPORT_HTML
    markdown.write_text(redact(render_markdown(sections)), encoding="utf-8")
    html.write_text(redact(render_html(sections)), encoding="utf-8")
    return markdown, html
