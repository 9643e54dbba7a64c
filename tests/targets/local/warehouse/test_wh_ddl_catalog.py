"""td_ddl> in TD's order, the table catalog with Presto types, and table export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdpo.errors import ConfigError, NotFoundError
from cdpo.targets.base import Column
from cdpo.targets.local.warehouse import (
    Warehouse,
    columns,
    export_table,
    run_td,
    run_td_ddl,
    tables,
)


def _table_names(wh: Warehouse, database: str) -> list[str]:
    return [t.name for t in tables(wh, database)]


def test_ddl_creates_drops_and_renames_in_order(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id", database="client_src", create_table="old_data")
    run_td(wh, "SELECT 2 AS id", database="client_src", create_table="stale")
    run_td_ddl(
        wh,
        database="client_src",
        create_databases=["client_stg"],
        drop_tables=["stale"],
        create_tables=["client_stg.profiles", "fresh"],
        rename_tables=[{"from": "old_data", "to": "renamed"}],
    )
    assert wh.databases() == ["client_src", "client_stg"]
    assert _table_names(wh, "client_src") == ["fresh", "renamed"]
    assert columns(wh, "client_stg", "profiles") == [Column("time", "bigint")]
    assert wh.query("SELECT id FROM renamed", "client_src").scalar() == 1


def test_empty_tables_and_databases_are_dropped_then_recreated(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id", database="client_src", create_table="keepme")
    wh.create_database("scratch_db")
    run_td(wh, "SELECT 1 AS id", database="scratch_db", create_table="junk")
    run_td_ddl(wh, database="client_src", empty_tables=["keepme"], empty_databases=["scratch_db"])
    assert tables(wh, "client_src")[0].row_count == 0
    assert tables(wh, "scratch_db") == []


def test_create_database_then_table_in_one_task(wh: Warehouse) -> None:
    # databases are created before tables whatever the order of keys
    run_td_ddl(wh, create_tables=["brand_new.tbl"], create_databases=["brand_new"])
    assert _table_names(wh, "brand_new") == ["tbl"]


def test_drop_database(wh: Warehouse) -> None:
    run_td_ddl(wh, drop_databases=["client_src", "never_existed"])
    assert wh.databases() == []


def test_rename_replaces_the_destination(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS v", database="client_src", create_table="tbl_new")
    run_td(wh, "SELECT 0 AS v", database="client_src", create_table="tbl_live")
    run_td_ddl(wh, database="client_src", rename_tables=[{"from": "tbl_new", "to": "tbl_live"}])
    assert wh.query("SELECT v FROM tbl_live", "client_src").scalar() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"create_tables": ["bad name"]}, "create_tables: invalid name 'bad name'"),
        ({"drop_databases": ["UPPER"]}, "drop_databases: invalid name 'UPPER'"),
        ({"create_tables": "single"}, "expected a list of names"),
        ({"rename_tables": [{"from": "aaa", "to": "x.bbb"}]}, "'to' cannot name a database"),
        ({"rename_tables": [{"from": "aaa"}]}, r"expected \{from: table, to: table\}"),
    ],
)
def test_bad_ddl_input_is_a_config_error(wh: Warehouse, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        run_td_ddl(wh, database="client_src", **kwargs)


def test_failing_ddl_changes_nothing(wh: Warehouse) -> None:
    with pytest.raises(NotFoundError, match=r"client_src\.ghost does not exist"):
        run_td_ddl(
            wh,
            database="client_src",
            create_tables=["made"],
            rename_tables=[{"from": "ghost", "to": "spirit"}],
        )
    assert tables(wh, "client_src") == []


def test_tables_count_rows_and_columns_use_presto_types(wh: Warehouse) -> None:
    run_td(
        wh,
        "SELECT CAST(1 AS INTEGER) AS n, 2.5 AS x, 'a' AS s, true AS b, ARRAY['p', 'q'] AS tags, "
        "MAP(ARRAY['k'], ARRAY[1]) AS m, CAST(ROW(1, 'z') AS ROW(id BIGINT, name VARCHAR)) AS r",
        database="client_src",
        create_table="typed",
    )
    [info] = tables(wh, "client_src")
    assert (info.name, info.row_count) == ("typed", 1)
    assert {c.name: c.type for c in info.columns} == {
        "n": "bigint",
        "x": "double",
        "s": "varchar",
        "b": "boolean",
        "tags": "array(varchar)",
        "m": "map(varchar, bigint)",
        "r": "row(id bigint, name varchar)",
        "time": "bigint",
    }


def test_tables_of_a_missing_database(wh: Warehouse) -> None:
    with pytest.raises(NotFoundError, match="'nope_db' does not exist"):
        tables(wh, "nope_db")


def test_columns_of_a_missing_table_suggests(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id", database="client_src", create_table="customers")
    with pytest.raises(NotFoundError, match="Did you mean 'customers'"):
        columns(wh, "client_src", "customer")


@pytest.fixture
def orders(wh: Warehouse) -> Warehouse:
    run_td(
        wh,
        "SELECT * FROM (VALUES (1, 'a,b', 100), (2, 'c', 200), (3, 'd', 300)) AS t(id, note, time)",
        database="client_src",
        create_table="orders",
    )
    return wh


def test_export_csv_with_time_range(orders: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "out" / "orders.csv"
    assert export_table(orders, "client_src", "orders", out, from_time=200, to_time=300) == 1
    assert out.read_text().splitlines() == ["id,note,time", "2,c,200"]


def test_export_jsonl_and_parquet_round_trip(orders: Warehouse, tmp_path: Path) -> None:
    jsonl = tmp_path / "orders.jsonl"
    assert export_table(orders, "client_src", "orders", jsonl) == 3
    assert json.loads(jsonl.read_text().splitlines()[0]) == {"id": 1, "note": "a,b", "time": 100}
    parquet = tmp_path / "orders.data"
    assert export_table(orders, "client_src", "orders", parquet, format="parquet") == 3
    back = orders.con.execute("SELECT sum(id) FROM read_parquet(?)", [str(parquet)]).fetchone()
    assert back == (6,)


def test_export_bad_inputs(orders: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        export_table(orders, "client_src", "orders", tmp_path / "o.xml")
    with pytest.raises(NotFoundError, match=r"client_src\.missing does not exist"):
        export_table(orders, "client_src", "missing", tmp_path / "o.csv")
