"""The warehouse's one door to ``cdpo.sql``: translate TD SQL to DuckDB, install TD's functions.

``cdpo.sql`` owns the dialect rewrites and the TD function library. Until its front door
(``translate``, ``install_td_functions``) is importable, queries are translated by sqlglot alone
(no TD functions), so the warehouse stays usable; sqlglot errors become ``TranslationError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cdpo.errors import TranslationError

if TYPE_CHECKING:
    import duckdb

__all__ = ["install_functions", "translate"]


def translate(sql: str, engine: str) -> list[str]:
    """TD SQL read in ``engine``'s dialect (presto, trino, hive) → DuckDB statements."""
    import sqlglot

    try:
        from cdpo.sql import translate as td_translate
    except ImportError:
        td_translate = None
    try:
        if td_translate is not None:
            return list(td_translate(sql, read=engine, write="duckdb"))
        return [s for s in sqlglot.transpile(sql, read=engine, write="duckdb") if s.strip()]
    except sqlglot.errors.SqlglotError as exc:
        raise TranslationError(f"cannot translate {engine} SQL: {exc}", sql=sql) from exc


def install_functions(con: duckdb.DuckDBPyConnection, session_time: datetime | int | None) -> None:
    """Install TD's functions (``TD_TIME_RANGE`` …) on ``con`` when ``cdpo.sql`` provides them."""
    try:
        from cdpo.sql import install_td_functions
    except ImportError:
        return
    install_td_functions(con, session_time=session_time)
