"""Render the report's sections as ``pipeline_report.md``."""

from __future__ import annotations

from cdpo.orchestrator.report.content import Section, Table, human_rows

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def render_markdown(sections: list[Section]) -> str:
    """The whole report; the first section is the title."""
    lines: list[str] = []
    for number, section in enumerate(sections):
        lines += [f"{'#' if number == 0 else '##'} {section.title}", ""]
        lines += [f"- {p}" if number == 0 else f"{p}\n" for p in section.paragraphs]
        if number == 0:
            lines.append("")
        for table in section.tables:
            lines += _table(table)
        for chart in section.charts:
            lines += [f"**{chart.title}**", ""]
            lines += _table(
                Table(("", chart.unit), tuple((k, human_rows(int(v))) for k, v in chart.bars))
            )
        for code in section.code:
            lines += ["```", code, "```", ""]
    return "\n".join(lines).rstrip() + "\n"
