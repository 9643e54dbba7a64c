"""TD's functions on DuckDB: each translated query against the hand-written DuckDB equivalent.

Builds ``time`` BIGINT rows (one every 3 s from 2024-01-01), installs cdpo's TD functions, and
times each TD query as ``cdpo.sql.translate`` writes it next to the SQL a DuckDB user would write by
hand for the same answer; both must return the same rows. Best of ``--repeat`` runs. The machine's
load average is printed: on a shared machine wall time depends on the neighbours.

    .venv/bin/python benchmarks/sql_td_functions.py --rows 10000000
    .venv/bin/python benchmarks/sql_td_functions.py --rows 1000000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import duckdb

from cdpo.sql import install_td_functions, translate

SESSION_TIME = 1704200000  # 2024-01-02 12:53:20 UTC

# (name, TD query, hand-written DuckDB query with the same answer)
QUERIES = [
    (
        "TD_TIME_RANGE, JST day",
        "SELECT count(*) FROM t WHERE TD_TIME_RANGE(time, '2024-01-01', '2024-01-02', 'JST')",
        "SELECT count(*) FROM t WHERE time >= 1704034800 AND time < 1704121200",
    ),
    (
        "TD_TIME_RANGE, nested TD_TIME_ADD bounds",
        "SELECT count(*) FROM t WHERE TD_TIME_RANGE(time, TD_TIME_ADD(TD_SCHEDULED_TIME(), '-1d'),"
        " TD_SCHEDULED_TIME())",
        f"SELECT count(*) FROM t WHERE time >= {SESSION_TIME - 86400} AND time < {SESSION_TIME}",
    ),
    (
        "TD_INTERVAL -1d",
        "SELECT count(*) FROM t WHERE TD_INTERVAL(time, '-1d')",
        "SELECT count(*) FROM t WHERE time >= 1704067200 AND time < 1704153600",
    ),
    (
        "TD_TIME_FORMAT literal pattern, JST",
        "SELECT count(DISTINCT TD_TIME_FORMAT(time, 'yyyy-MM-dd', 'JST')) FROM t",
        "SELECT count(DISTINCT strftime(make_timestamp((time + 32400) * 1000000), '%Y-%m-%d'))"
        " FROM t",
    ),
    (
        "TD_TIME_STRING d!, JST",
        "SELECT count(DISTINCT TD_TIME_STRING(time, 'd!', 'JST')) FROM t",
        "SELECT count(DISTINCT strftime(make_timestamp((time + 32400) * 1000000), '%Y-%m-%d'))"
        " FROM t",
    ),
    (
        "TD_DATE_TRUNC day, JST",
        "SELECT max(TD_DATE_TRUNC('day', time, 'JST')) FROM t",
        "SELECT max((time + 32400) // 86400 * 86400 - 32400) FROM t",
    ),
    (
        "TD_TIME_ADD 1d",
        "SELECT max(TD_TIME_ADD(time, '1d')) FROM t",
        "SELECT max(time + 86400) FROM t",
    ),
]


def best_of(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> tuple[float, Any]:
    best, rows = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        rows = con.execute(sql).fetchall()
        best = min(best, time.perf_counter() - started)
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    con = duckdb.connect()
    install_td_functions(con, session_time=SESSION_TIME)
    con.execute(f"CREATE TABLE t AS SELECT 1704067200 + range * 3 AS time FROM range({args.rows})")
    results = []
    for name, td_sql, duckdb_sql in QUERIES:
        (translated,) = translate(td_sql)
        td_seconds, td_rows = best_of(con, translated, args.repeat)
        hand_seconds, hand_rows = best_of(con, duckdb_sql, args.repeat)
        results.append(
            {"query": name, "td_s": round(td_seconds, 3), "duckdb_s": round(hand_seconds, 3),
             "same_answer": td_rows == hand_rows}
        )  # fmt: skip
    if args.json:
        print(json.dumps({"rows": args.rows, "load": os.getloadavg(), "results": results}))
        return
    print(f"{args.rows:,} rows, best of {args.repeat}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'query':44} {'cdpo (s)':>9} {'hand (s)':>9}  same")
    for row in results:
        print(f"{row['query']:44} {row['td_s']:9.3f} {row['duckdb_s']:9.3f}  {row['same_answer']}")


if __name__ == "__main__":
    main()
