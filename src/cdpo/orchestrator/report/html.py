"""Render the report's sections as a self-contained ``pipeline_report.html`` with inline SVG charts.

No script, stylesheet or font is fetched: the file opens the same offline or attached to an email.
"""

from __future__ import annotations

from html import escape

from cdpo.orchestrator.report.content import Block, Chart, Code, Section, Table

__all__ = ["render_html", "svg_bar_chart"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;font-size:.9rem}
th{background:#f3f3f3} pre{background:#f6f6f6;padding:.6rem;overflow:auto}
.partial{background:#fff3cd;padding:.6rem;border-left:4px solid #e0a800}
"""
_BAR_HEIGHT, _LABEL_WIDTH, _BAR_WIDTH = 22, 320, 420


def svg_bar_chart(chart: Chart) -> str:
    """A horizontal bar chart as an inline ``<svg>`` element.

    Example:
        >>> svg_bar_chart(Chart("rows", (("a", 2.0),))).startswith("<svg")
        True
    """
    peak = max((v for _, v in chart.bars), default=0) or 1
    height = _BAR_HEIGHT * len(chart.bars) + 30
    width = _LABEL_WIDTH + _BAR_WIDTH + 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(chart.title)}">',
        f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(chart.title)}</text>',
    ]
    for i, (label, value) in enumerate(chart.bars):
        y = 26 + i * _BAR_HEIGHT
        length = max(1, round(_BAR_WIDTH * value / peak))
        parts += [
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>',
            f'<rect x="{_LABEL_WIDTH}" y="{y + 2}" width="{length}" height="{_BAR_HEIGHT - 6}" '
            'fill="#4c78a8"/>',
            f'<text x="{_LABEL_WIDTH + length + 6}" y="{y + 14}" font-size="12">'
            f"{escape(chart.label(value))}</text>",
        ]
    return "".join(parts) + "</svg>"


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c.replace('**', ''))}</td>" for c in row) + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _block(block: Block) -> str:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return f"<figure>{svg_bar_chart(block)}</figure>"
    if isinstance(block, Code):
        return f"<pre>{escape(block.text)}</pre>"
    css = ' class="partial"' if block.startswith("PARTIAL REPORT") else ""
    return f"<p{css}>{escape(block)}</p>"


def _section(section: Section, level: int) -> str:
    title = f"<h{level}>{escape(section.title)}</h{level}>"
    return "\n".join([title, *(_block(b) for b in section.blocks)])


def render_html(sections: list[Section]) -> str:
    """The whole report as one HTML document."""
    title = escape(sections[0].title) if sections else "CDP pipeline report"
    body = "\n".join(_section(s, 1 if i == 0 else 2) for i, s in enumerate(sections))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
