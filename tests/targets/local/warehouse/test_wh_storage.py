"""The warehouse's text compression: chosen once, stored in the file, used by every writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.targets.local.conftest import text_compressions

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse import Warehouse

_TEXT = "SELECT 'customer-' || (i % 500) || '@example.com' AS email FROM range(300000) AS t(i)"


def _write(path: Path, table: str) -> None:
    with Warehouse(path) as wh:
        wh.run(f"CREATE TABLE {table} AS {_TEXT}")


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
