"""Export a warehouse table to a local file (``td_table_export>`` locally).

TD's table export writes a table's rows whose ``time`` is in ``[from, to)`` to a file
(docs.digdag.io/operators/td_table_export.html); locally the file is CSV (with header), TSV,
JSON lines or Parquet, chosen by ``format`` or the path's extension.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cdpo.errors import NotFoundError
from cdpo.targets.local.warehouse.catalog import table_exists
from cdpo.targets.local.warehouse.names import sql_literal, table_name
from cdpo.targets.local.warehouse.readers import format_of

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["export_table"]

_COPY_OPTIONS = {
    "csv": "FORMAT csv, HEADER true",
    "tsv": "FORMAT csv, HEADER true, DELIMITER '\t'",
    "jsonl": "FORMAT json",
    "parquet": "FORMAT parquet",
}


def export_table(
    wh: Warehouse,
    database: str,
    table: str,
    path: str | Path,
    *,
    format: str | None = None,
    from_time: int | None = None,
    to_time: int | None = None,
) -> int:
    """Write ``database.table`` to ``path``; returns the number of rows written.

    Args:
        format: csv, tsv, jsonl or parquet; default: from the extension of ``path``.
        from_time, to_time: keep rows with ``from_time <= time < to_time`` (unix seconds).

    Raises:
        ConfigError: a bad name or an unknown format.
        NotFoundError: the database or table does not exist.
    """
    name = table_name(table, database)
    wh.require_database(name.database)
    if not table_exists(wh, name):
        raise NotFoundError(f"table {name} does not exist: nothing to export")
    target = Path(path)
    fmt = format_of(format, [target], origin="export format")
    target.parent.mkdir(parents=True, exist_ok=True)
    bounds, params = [], []
    if from_time is not None:
        bounds.append("time >= ?")
        params.append(int(from_time))
    if to_time is not None:
        bounds.append("time < ?")
        params.append(int(to_time))
    where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
    select = f"SELECT * FROM {name.sql}{where}"
    count = wh.run(f"SELECT count(*) FROM ({select})", params).scalar()
    copy = f"COPY ({select}) TO {sql_literal(str(target))} ({_COPY_OPTIONS[fmt]})"
    wh.run(copy, params)
    return int(count)
