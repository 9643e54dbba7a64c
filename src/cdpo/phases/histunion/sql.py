"""The SQL files of one union table, rendered from packaged templates (``static/*.sql.j2``).

The templates carry Digdag's ``${td.last_results.*}`` (the bounds task's stored row); their
own substitution points take only identifiers quoted here, types normalised by ``schema``, and
literals quoted by ``quote_literal``: nothing from configuration reaches SQL unquoted.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from cdpo.phases.common import INC_LOG
from cdpo.phases.histunion.model import PROJECT_NAME_IN_LOG, UnionTable
from cdpo.phases.histunion.schema import Alignment
from cdpo.phases.ingestion import quote, quote_literal

if TYPE_CHECKING:
    import jinja2

__all__ = ["add_column_sql", "create_target_sql", "table_sql"]


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("cdpo.phases.histunion", "static"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def _qualified(database: str, table: str) -> str:
    return f"{quote(database)}.{quote(table)}"


def create_target_sql(table: UnionTable, alignment: Alignment) -> str:
    """``CREATE TABLE IF NOT EXISTS`` the target with the aligned columns and types."""
    columns = ", ".join(f"{quote(name)} {type_}" for name, type_ in alignment.columns)
    return (
        f"CREATE TABLE IF NOT EXISTS {_qualified(table.target_database, table.target)} ({columns})"
    )


def add_column_sql(table: UnionTable, column: str, type_: str) -> str:
    """Schema drift: a column the sources gained after the target was created (spec §5.9)."""
    target = _qualified(table.target_database, table.target)
    return f"ALTER TABLE {target} ADD COLUMN IF NOT EXISTS {quote(column)} {type_}"


def table_sql(table: UnionTable, alignment: Alignment, lookup_database: str) -> dict[str, str]:
    """``queries/…`` file → SQL text for ``table``: bounds, the insert (or rebuild), watermark."""
    context = {
        "hist": _qualified(table.database, table.hist),
        "inc": _qualified(table.database, table.inc),
        "target": _qualified(table.target_database, table.target),
        "hist_name": table.hist,
        "inc_name": table.inc,
        "target_name": table.target,
        "inc_log": _qualified(lookup_database, INC_LOG),
        "hist_key": quote_literal(table.hist),
        "inc_key": quote_literal(table.inc),
        "project_key": quote_literal(PROJECT_NAME_IN_LOG),
        "columns": [quote(name) for name in alignment.names],
        "hist_select": list(alignment.hist),
        "inc_select": list(alignment.inc),
        "hist_window": "time > ${td.last_results.hist_lo} AND time <= ${td.last_results.hist_hi}",
        "inc_window": "time > ${td.last_results.inc_lo} AND time <= ${td.last_results.inc_hi}",
    }
    bounds, main, watermark = table.files
    template = "full_load.sql.j2" if table.full_load else "append.sql.j2"
    env = _environment()
    return {
        bounds: env.get_template("bounds.sql.j2").render(context),
        main: env.get_template(template).render(context),
        watermark: env.get_template("watermark.sql.j2").render(context),
    }
