"""The warehouse's one door to ``cdpo.sql``: translate TD SQL to DuckDB, install TD's functions.

``cdpo.sql`` owns the dialect rewrites and the TD function library; this module only adapts
its calls to the warehouse (engine names, read-only files).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from cdpo.errors import ConfigError, did_you_mean

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "ENGINES",
    "TRANSLATIONS_KEPT",
    "install_functions",
    "set_session_time",
    "translate",
    "unix_time",
]


ENGINES = ("presto", "trino", "hive")
"""``engine:`` values of td> and td_wait>; each names the SQL dialect its queries are read in."""

TRANSLATIONS_KEPT = 256
"""Translations remembered per process (a workflow repeats its DDL and per-table queries)."""


def translate(sql: str, engine: str) -> list[str]:
    """TD SQL read in ``engine``'s dialect (presto, trino, hive) → DuckDB statements.

    The same text in the same dialect always translates the same, so a repeated one is looked up
    (a failing one is not remembered: it raises again). It needs no connection: the runtime
    translates a task's SQL before it waits for the warehouse.

    Raises:
        ConfigError: ``engine`` is not one of ``ENGINES``.
        TranslationError: the SQL does not parse or has no DuckDB translation.
    """
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}."
            + did_you_mean(engine, ENGINES),
            field="engine",
        )
    return list(_translated(sql, engine))


@lru_cache(maxsize=TRANSLATIONS_KEPT)
def _translated(sql: str, engine: str) -> tuple[str, ...]:
    from cdpo.sql import translate as td_translate

    return tuple(td_translate(sql, read=engine, write="duckdb"))


def install_functions(
    con: duckdb.DuckDBPyConnection, session_time: datetime | int | None, *, read_only: bool
) -> None:
    """Install TD's functions (``TD_TIME_RANGE`` …) and ``TD_SCHEDULED_TIME()`` on ``con``.

    The functions are connection-scoped (TEMP macros and Python functions), so read-only files get
    them too; should a read-only connection refuse one, it goes on with what it has.
    """
    import duckdb

    from cdpo.sql import install_td_functions

    try:
        install_td_functions(con, session_time=unix_time(session_time))
    except duckdb.InvalidInputException:
        if not read_only:
            raise


def set_session_time(con: duckdb.DuckDBPyConnection, session_time: datetime | int | None) -> None:
    """Point ``TD_SCHEDULED_TIME()`` at another session time on an installed connection."""
    from cdpo.sql import set_session_time as td_set_session_time

    td_set_session_time(con, unix_time(session_time))


def unix_time(session_time: datetime | int | None) -> int | None:
    """A session time as the unix seconds ``TD_SCHEDULED_TIME()`` returns (None stays None)."""
    return int(session_time.timestamp()) if isinstance(session_time, datetime) else session_time
