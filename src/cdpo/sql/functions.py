"""Install Treasure Data's functions on a DuckDB connection, so translated TD SQL runs on it.

Most functions are TEMP macros (``td_functions.sql``, shipped as package data); they live with the
connection, so a read-only warehouse works and no file keeps them. Reading time strings, TD_INTERVAL
and Java date patterns are Python functions (``time_parse``, ``interval``, ``java_format``): one
exact implementation each, and DuckDB folds a call with constant arguments into a constant, so
``TD_TIME_RANGE(time, '2024-01-01', NULL, 'JST')`` filters as fast as ``time >= 1704034800``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

from cdpo.errors import TranslationError
from cdpo.sql.interval import interval_bounds
from cdpo.sql.java_format import format_java
from cdpo.sql.split import split_statements
from cdpo.sql.time_parse import parse_time, parse_time_strict

__all__ = ["CONNECTION_SETTINGS", "install_td_functions", "set_session_time", "td_function_names"]

# TD's Presto divides integers as integers (7 / 2 = 3) and raises on division by zero; DuckDB's
# '/' divides as doubles unless integer_division is on. Times print in UTC unless a zone is given.
CONNECTION_SETTINGS = {"TimeZone": "UTC", "integer_division": "true"}

_PY_FUNCTIONS = (
    "td__format_java", "td__interval_start", "td__interval_end", "td__parse_time",
    "td__parse_strict",
)  # fmt: skip


def install_td_functions(con: Any, *, session_time: int | None = None) -> None:
    """Create TD's functions on ``con`` and set the connection up to run TD SQL.

    Idempotent: every call replaces the functions and (re)sets the scheduled time.

    Args:
        con: a ``duckdb.DuckDBPyConnection``.
        session_time: unix seconds returned by ``TD_SCHEDULED_TIME()`` (Digdag's session time);
            None makes it the time of each query, as TD does for ad hoc queries.

    Example:
        >>> import duckdb
        >>> con = duckdb.connect()
        >>> install_td_functions(con, session_time=1704067200)
        >>> con.execute("SELECT td_time_format(td_scheduled_time(), 'yyyy-MM-dd', 'JST')").fetchone()
        ('2024-01-01',)
    """
    for name, value in CONNECTION_SETTINGS.items():
        con.execute(f"SET {name} = '{value}'")
    set_session_time(con, session_time)
    _create_python_functions(con)
    for statement in split_statements(_macro_sql()):
        con.execute(statement)


def set_session_time(con: Any, session_time: int | None) -> None:
    """Make ``TD_SCHEDULED_TIME()`` return ``session_time`` on ``con`` (None: the query's time)."""
    if session_time is None:
        con.execute("RESET VARIABLE td_scheduled_time")
    else:
        con.execute(f"SET VARIABLE td_scheduled_time = {int(session_time)}")


@lru_cache(maxsize=1)
def td_function_names() -> frozenset[str]:
    """Lower-case names of every function ``install_td_functions`` creates, helpers included."""
    macros = re.findall(r"CREATE OR REPLACE TEMP MACRO (\w+)", _macro_sql())
    return frozenset({name.lower() for name in macros} | set(_PY_FUNCTIONS))


def _macro_sql() -> str:
    return resources.files("cdpo.sql").joinpath("td_functions.sql").read_text(encoding="utf-8")


def _create_python_functions(con: Any) -> None:
    import duckdb
    from duckdb import sqltypes
    from duckdb.func import SPECIAL

    for name in _PY_FUNCTIONS:
        # Replacing needs a remove first; asking duckdb_functions() instead costs 0.1 s a call.
        with contextlib.suppress(duckdb.InvalidInputException):
            con.remove_function(name)
    varchar, bigint = sqltypes.VARCHAR, sqltypes.BIGINT
    # DuckDB's default null handling returns NULL for a NULL argument without calling Python.
    con.create_function("td__format_java", _format_java, [bigint, varchar, varchar], varchar)
    for index, name in enumerate(("td__interval_start", "td__interval_end")):
        con.create_function(name, _interval_part(index), [varchar, varchar, bigint], bigint)
    con.create_function(
        "td__parse_time", _parse_time, [varchar, varchar], bigint, null_handling=SPECIAL
    )
    con.create_function("td__parse_strict", _parse_strict, [varchar, varchar, varchar], bigint)


def _format_java(unix_seconds: int, pattern: str, zone: str) -> str:
    """TD_TIME_FORMAT's row function; a bad pattern or zone raises, naming the function."""
    try:
        return format_java(unix_seconds, pattern, zone)
    except TranslationError as exc:
        raise ValueError(f"TD_TIME_FORMAT: {exc.problem}") from None


def _parse_time(text: str | None, zone: str | None) -> int | None:
    """TD_TIME_PARSE's row function: NULL for NULL and for strings that are not times."""
    if text is None:
        return None
    try:
        return parse_time(text, zone or "UTC")
    except TranslationError as exc:
        raise ValueError(f"TD_TIME_PARSE: {exc.problem}") from None


def _parse_strict(text: str, zone: str, function: str) -> int:
    """A bound of TD_TIME_RANGE, TD_TIME_ADD or TD_INTERVAL: a string that is not a time raises."""
    try:
        return parse_time_strict(text, zone, function)
    except TranslationError as exc:
        raise ValueError(exc.problem) from None


def _interval_part(index: int) -> Callable[[str, str, int], int]:
    """TD_INTERVAL's start (0) or end (1) as a row function; a bad interval raises."""

    def part(spec: str, zone: str, scheduled: int) -> int:
        try:
            return interval_bounds(spec, zone, scheduled)[index]
        except TranslationError as exc:
            raise ValueError(exc.problem) from None

    return part
