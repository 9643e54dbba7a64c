"""The demo loses and doubles nothing: every phase's tables hold exactly the data set's rows.

For every extract of ``data/dataset.json``: the ingested history and incremental tables hold the
rows of its files that fall in their windows (no record more often than in the files), the
ingestion_log counts match the tables, hist-union adds the incremental rows not already in the
history, staging keeps every hist-union row, and unification enriches every staged table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
import yaml

from .conftest import DemoRun

SRC, STG, UNIFIED = (
    "northwind_retail_src",
    "northwind_retail_stg",
    "cdp_unification_northwind_retail",
)
FILE_EXPORTS = {"sftp_v2"}
"""Connectors that load whole files (TD's SFTP input has no time window, only ``last_path``)."""


@pytest.fixture(scope="module")
def con(full_demo: DemoRun) -> Iterator[duckdb.DuckDBPyConnection]:
    assert full_demo.code == 0, full_demo.state.get("error")
    connection = duckdb.connect(str(full_demo.warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def extracts(full_demo: DemoRun) -> list[dict[str, Any]]:
    dataset = json.loads((full_demo.root / "data" / "dataset.json").read_text())
    pipeline = yaml.safe_load((full_demo.root / "pipeline.yml").read_text())
    sources = {s["name"]: s for s in pipeline["ingestion"]["sources"]}
    for extract in dataset["extracts"]:
        source = sources[extract["source"]]
        extract["window"] = (source["start_date"], source["incremental_start"])
        extract["dir"] = full_demo.root / "data"
    return dataset["extracts"]


def _file(extract: dict[str, Any], kind: str) -> str:
    """The rows of the extract's history or incremental file that the load's window takes."""
    path = str(extract["dir"] / extract[f"{kind}_path"]).replace("'", "''")
    reader = {
        "jsonl": f"read_json('{path}', format = 'newline_delimited', "
        "timestampformat = '%%never', dateformat = '%%never')",
        "csv": f"read_csv('{path}', all_varchar = true)",
        "parquet": f"read_parquet('{path}')",
    }[extract["format"]]
    if extract["connector"] in FILE_EXPORTS:
        return f"SELECT * FROM {reader}"
    at = f"try_strptime(CAST(\"{extract['time_field']}\" AS VARCHAR), '{extract['time_format']}')"
    start, split = (f"TIMESTAMPTZ '{d} 00:00:00+00'" for d in extract["window"])
    window = f"{at} >= {start} AND {at} < {split}" if kind == "hist" else f"{at} >= {split}"
    return f"SELECT * FROM {reader} WHERE {window}"


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
    return int(row[0]) if row else 0


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
        "AND table_name = ? ORDER BY ordinal_position",
        [database, table],
    ).fetchall()
    return [r[0] for r in rows]


def _ids(extract: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for kind, suffix in (("hist", "_hist"), ("inc", "")):
        yield kind, extract["table"] + suffix


def test_the_demo_ran_every_phase(full_demo: DemoRun, extracts: list[dict[str, Any]]) -> None:
    assert full_demo.code == 0, full_demo.state.get("error")
    assert {p["status"] for p in full_demo.state["phases"].values()} == {"completed"}
    assert {e["connector"] for e in extracts} >= {"bigquery_v2", "sftp_v2"}


def test_ingested_tables_hold_exactly_the_rows_in_their_windows(
    con: duckdb.DuckDBPyConnection, extracts: list[dict[str, Any]]
) -> None:
    for extract in extracts:
        rid = f'CAST("{extract["record_id"]}" AS VARCHAR)'
        for kind, table in _ids(extract):
            expected = _file(extract, kind)
            loaded = f"SELECT * FROM {SRC}.{table}"
            assert _count(con, loaded) == _count(con, expected), table
            doubled = (
                f"SELECT t.id FROM (SELECT {rid} AS id, count(*) AS n FROM {SRC}.{table} GROUP BY 1)"
                f" AS t LEFT JOIN (SELECT {rid} AS id, count(*) AS n FROM ({expected}) GROUP BY 1)"
                " AS f USING (id) WHERE f.n IS NULL OR t.n > f.n"
            )
            assert con.execute(doubled).fetchall() == [], f"{table}: ids not (so often) in files"


def test_the_ingestion_log_matches_the_tables(
    con: duckdb.DuckDBPyConnection, extracts: list[dict[str, Any]]
) -> None:
    for extract in extracts:
        for _, table in _ids(extract):
            logged = con.execute(
                f"SELECT records_processed FROM {SRC}.ingestion_log WHERE table_name = ? "
                "AND status = 'SUCCESS' AND source_name = ? ORDER BY time DESC LIMIT 1",
                [table, extract["source"]],
            ).fetchone()
            assert logged is not None, f"{table}: no SUCCESS logged"
            assert logged[0] == _count(con, f"SELECT * FROM {SRC}.{table}"), table


def test_hist_union_adds_the_increments_not_already_in_the_history(
    con: duckdb.DuckDBPyConnection, extracts: list[dict[str, Any]]
) -> None:
    for extract in extracts:
        base = extract["table"]
        union = _columns(con, SRC, f"{base}_histunion")

        def rows(table: str, union: list[str] = union) -> str:
            have = set(_columns(con, SRC, table))
            cols = ", ".join(f'"{c}"' if c in have else f'NULL AS "{c}"' for c in union)
            return f"SELECT {cols} FROM {SRC}.{table}"

        history = _count(con, rows(f"{base}_hist"))
        new = _count(con, f"{rows(base)} EXCEPT ALL {rows(f'{base}_hist')}")
        assert _count(con, f"SELECT * FROM {SRC}.{base}_histunion") == history + new, base


def test_every_source_table_is_staged_and_enriched(
    con: duckdb.DuckDBPyConnection, extracts: list[dict[str, Any]], full_demo: DemoRun
) -> None:
    pipeline = yaml.safe_load((full_demo.root / "pipeline.yml").read_text())
    assert not pipeline["staging"].get("rules"), "no dedup: staging keeps every row"
    for extract in extracts:
        table = extract["table"]
        union = _count(con, f"SELECT * FROM {SRC}.{table}_histunion")
        assert _count(con, f"SELECT * FROM {STG}.{table}") == union, table
        enriched = f"SELECT * FROM {UNIFIED}.enriched_{table}"
        assert _count(con, enriched) == union, table
        assert _count(con, enriched + " WHERE customer_360 IS NOT NULL") > 0, table
