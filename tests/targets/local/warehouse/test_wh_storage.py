"""How the warehouse file stores what is written: row groups of ``ROW_GROUP_SIZE`` rows on every
connection, and the text compression chosen once, stored in the file, used by every writer."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.targets.local.conftest import text_compressions

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse import Warehouse, run_td
from cdpo.targets.local.warehouse.storage import ROW_GROUP_SIZE

_TEXT = "SELECT 'customer-' || (i % 500) || '@example.com' AS email FROM range(300000) AS t(i)"


def _write(path: Path, table: str) -> None:
    with Warehouse(path) as wh:
        wh.run(f"CREATE TABLE {table} AS {_TEXT}")


def _row_groups(path: Path, table: str) -> list[int]:
    """Rows per row group of ``table``, in order (read-only, after the writer closed)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT count FROM pragma_storage_info(?) WHERE column_id = 0 "
                "AND segment_type <> 'VALIDITY' ORDER BY row_group_id, segment_id",
                [table],
            ).fetchall()
        ]


def test_a_table_smaller_than_duckdbs_row_group_is_written_in_several(wh_path: Path) -> None:
    _write(wh_path, "people")  # 300,000 rows: 3 of DuckDB's default row groups, 10 of ours
    sizes = _row_groups(wh_path, "people")
    assert sum(sizes) == 300_000
    assert max(sizes) == ROW_GROUP_SIZE < 122_880
    assert len(sizes) == -(-300_000 // ROW_GROUP_SIZE)


def test_appends_are_not_repacked_but_the_space_of_deleted_rows_is_given_back(
    wh_path: Path,
) -> None:
    rows = "SELECT 'customer-' || (i % 500) || '@example.com' AS email FROM range(40000) AS t(i)"
    with Warehouse(wh_path) as wh:
        wh.run(f"CREATE TABLE people AS {rows}")
    for _ in range(2):
        with Warehouse(wh_path) as wh:
            wh.run(f"INSERT INTO people {rows}")
    as_written = [ROW_GROUP_SIZE, 40_000 - ROW_GROUP_SIZE] * 3  # DuckDB's vacuum would merge
    assert _row_groups(wh_path, "people") == as_written
    with Warehouse(wh_path) as wh:
        assert wh.run("DELETE FROM people WHERE email = 'nobody'").rows == ((0,),)
    assert _row_groups(wh_path, "people") == as_written
    with Warehouse(wh_path) as wh:
        assert wh.run("DELETE FROM people WHERE rowid % 3 <> 0").rows == ((80_000,),)
    kept = _row_groups(wh_path, "people")
    assert sum(kept) < 120_000 and len(kept) < len(as_written)  # vacuumed at the checkpoint


def test_large_queries_spill_next_to_the_file_as_duckdb_does(wh_path: Path) -> None:
    with Warehouse(wh_path) as wh:
        assert wh.query("SELECT current_setting('temp_directory')").scalar() == f"{wh_path}.tmp"


def test_a_file_written_with_duckdbs_default_row_groups_is_read_and_appended_to(
    wh_path: Path,
) -> None:
    with duckdb.connect(str(wh_path)) as con:  # as an earlier version of cdpo wrote it
        con.execute("CREATE SCHEMA client_src")
        con.execute("CREATE TABLE client_src.events AS SELECT i FROM range(200000) AS t(i)")
    with Warehouse(wh_path) as wh:
        run_td(
            wh,
            "SELECT i FROM range(200000, 250000) AS t(i)",
            database="client_src",
            insert_into="events",
        )
        assert wh.query("SELECT count(*), sum(i) FROM events", "client_src").rows == (
            (250_000, sum(range(250_000))),
        )


def test_a_database_named_like_the_warehouse_file_is_not_ambiguous(wh_path: Path) -> None:
    assert wh_path.stem == "warehouse"
    with Warehouse(wh_path) as wh:
        wh.create_database("warehouse")
        run_td(wh, "CREATE TABLE warehouse.t AS SELECT 7 AS x", database="warehouse")
        assert wh.query("SELECT x FROM warehouse.t").scalar() == 7
        assert wh.databases() == ["warehouse"]


def test_a_new_warehouse_compresses_text_as_duckdb_chooses(wh_path: Path) -> None:
    _write(wh_path, "people")
    assert "DICT_FSST" in text_compressions(wh_path, "people")
    with Warehouse(wh_path) as wh:
        assert wh.compression == "auto"


def test_light_compression_is_stored_in_the_file_and_used_by_the_next_writer(
    wh_path: Path,
) -> None:
    with Warehouse(wh_path) as wh:
        wh.set_compression("light")
    _write(wh_path, "people")  # another connection, as a worker's would be
    assert text_compressions(wh_path, "people") and "DICT_FSST" not in text_compressions(
        wh_path, "people"
    )
    with Warehouse(wh_path) as wh:
        assert wh.compression == "light"
        wh.set_compression("auto")
    _write(wh_path, "again")
    assert "DICT_FSST" in text_compressions(wh_path, "again")


def test_an_unknown_compression_names_the_field_and_the_valid_ones(wh_path: Path) -> None:
    with Warehouse(wh_path) as wh, pytest.raises(ConfigError) as raised:
        wh.set_compression("heavy")
    assert raised.value.field == "local.compression"
    assert "auto, light" in str(raised.value.hint)
    with Warehouse(wh_path) as wh:
        assert wh.compression == "auto"  # nothing stored
