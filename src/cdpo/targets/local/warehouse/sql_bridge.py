"""The warehouse's one door to ``cdpo.sql``: translate TD SQL to DuckDB, install TD's functions.

``cdpo.sql`` owns the dialect rewrites and the TD function library; this module only adapts
its calls to the warehouse (engine names, read-only files).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = ["install_functions", "translate"]


def translate(sql: str, engine: str) -> list[str]:
    """TD SQL read in ``engine``'s dialect (presto, trino, hive) → DuckDB statements.

    Raises:
        TranslationError: the SQL does not parse or has no DuckDB translation.
    """
    from cdpo.sql import translate as td_translate

    return td_translate(sql, read=engine, write="duckdb")


def install_functions(
    con: duckdb.DuckDBPyConnection, session_time: datetime | int | None, *, read_only: bool
) -> None:
    """Install TD's functions (``TD_TIME_RANGE`` …) and ``TD_SCHEDULED_TIME()`` on ``con``.

    ``cdpo.sql`` stores its macros in the file; a read-only connection cannot write them and
    uses the ones the last writing connection stored.
    """
    import duckdb

    from cdpo.sql import install_td_functions

    if isinstance(session_time, datetime):
        session_time = int(session_time.timestamp())
    try:
        install_td_functions(con, session_time=session_time)
    except duckdb.InvalidInputException:
        if not read_only:
            raise
