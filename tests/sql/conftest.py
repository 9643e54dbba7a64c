"""Fixtures for the SQL tests: a DuckDB connection with TD's functions and a small events table."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from cdpo.sql import install_td_functions, translate

SESSION_TIME = 1534209825
"""2018-08-14 01:23:45 UTC, a Tuesday: TD_SCHEDULED_TIME() in every case unless it says otherwise."""

# Written in Presto, as TD users write it, and translated like any case.
EVENTS_SQL = """
CREATE TABLE events AS SELECT * FROM (VALUES
  (1704067200, 'u1', 'A@X.com ', '{"a": {"b": 1}, "n": "x"}', ARRAY['red', 'blue'], '3.5'),
  (1704070800, 'u1', 'a@x.com',  '{"a": {"b": 2}}',           ARRAY['blue'],        '10'),
  (1704153600, 'u2', NULL,       '{}',                        ARRAY[],              NULL),
  (1704157199, 'u2', 'c@y.org',  '{"a": {"b": 3}}',           ARRAY['green'],       'x')
) AS t (time, uid, email, payload, tags, amount)
"""


def connect(session_time: int | None = SESSION_TIME) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    install_td_functions(con, session_time=session_time)
    for statement in translate(EVENTS_SQL):
        con.execute(statement)
    return con


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect()
    yield connection
    connection.close()
