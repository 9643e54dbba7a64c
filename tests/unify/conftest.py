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
    if rows:  # one statement with a list per column: executemany is slow in DuckDB
        columns = [list(c) for c in zip(*rows, strict=True)]
        unnests = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
        con.execute(f"INSERT INTO {name} SELECT {unnests}", columns)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """All rows of ``sql``, sorted, for order-independent comparisons."""
    return sorted(con.execute(sql).fetchall(), key=repr)
