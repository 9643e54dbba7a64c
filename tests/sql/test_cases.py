"""Executed translation cases: each file under cases/ lists TD queries and the rows TD returns.

A case is a mapping with ``title``, ``sql`` (Presto unless ``read`` says ``hive``), and either
``rows`` (the expected result, in order unless ``unordered: true``) or ``error`` (a substring of the
error message). ``session_time`` overrides TD_SCHEDULED_TIME(); ``setup`` runs first. Values are
compared after normalising: timestamps and dates as ISO strings, decimals as floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from cdpo.errors import TranslationError
from cdpo.sql import set_session_time, translate

from .conftest import SESSION_TIME, connect

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        for index, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            params.append(pytest.param(case, id=f"{path.stem}:{index}:{case['title']}"))
    return params


CASES = _load_cases()


def _normalise(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def shared() -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection for all cases; each case runs in a transaction that is rolled back."""
    con = connect()
    yield con
    con.close()


def _run(con: duckdb.DuckDBPyConnection, case: dict[str, Any]) -> list[list[Any]]:
    set_session_time(con, case.get("session_time", SESSION_TIME))
    con.execute("BEGIN TRANSACTION")
    try:
        read = case.get("read", "presto")
        for statement in translate(case.get("setup", ""), read=read):
            con.execute(statement)
        rows: list[Any] = []
        for statement in translate(case["sql"], read=read):
            rows = con.execute(statement).fetchall()
        return [_normalise(row) for row in rows]
    finally:
        con.execute("ROLLBACK")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES)
def test_case(shared: duckdb.DuckDBPyConnection, case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises((TranslationError, duckdb.Error)) as info:
            _run(shared, case)
        assert case["error"] in str(info.value)
        return
    rows = _run(shared, case)
    expected = [list(row) for row in case["rows"]]
    if case.get("unordered"):
        rows, expected = sorted(rows, key=repr), sorted(expected, key=repr)
    assert rows == expected
