"""Render the report's sections as ``pipeline_report.md``."""

from __future__ import annotations

from cdpo.orchestrator.report.content import Block, Chart, Code, Section, Table

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def _block(block: Block, bullet: bool) -> list[str]:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        rows = tuple((label, block.label(value)) for label, value in block.bars)
        return [f"**{block.title}**", "", *_table(Table(("", "value"), rows))]
    if isinstance(block, Code):
        return ["```", block.text, "```", ""]
    return [f"- {block}"] if bullet else [block, ""]


def render_markdown(sections: list[Section]) -> str:
    """The whole report; the first section is the title, its paragraphs a bullet list."""
    lines: list[str] = []
    for number, section in enumerate(sections):
        lines += [f"{'#' if number == 0 else '##'} {section.title}", ""]
        for block in section.blocks:
            lines += _block(block, bullet=number == 0)
        if number == 0:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
