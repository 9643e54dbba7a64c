"""Fixtures for the unification tests: a fresh DuckDB connection and a way to write source tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import pytest


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def write_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    columns: str,
    rows: Sequence[Sequence[Any]],
) -> None:
    """Create (or replace) ``schema.table`` with ``columns`` (SQL column definitions) and ``rows``."""
    schema = name.split(".")[0]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"INSERT INTO {name} VALUES ({marks})", [list(r) for r in rows])


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """All rows of ``sql``, sorted, for order-independent comparisons."""
    return sorted(con.execute(sql).fetchall(), key=repr)
