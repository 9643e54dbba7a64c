"""Fixtures for the warehouse tests: a real DuckDB file with one empty TD database per test.

Opening a warehouse installs TD's functions (a few hundred milliseconds), so the tests share one
open file and each starts from a wiped catalog; tests about opening use their own file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cdpo.targets.local.warehouse import Warehouse


@pytest.fixture
def wh_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture(scope="session")
def _shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with Warehouse(tmp_path_factory.mktemp("wh") / "shared.duckdb", lock_timeout=0) as warehouse:
        yield warehouse


@pytest.fixture
def wh(_shared_warehouse: Warehouse) -> Warehouse:
    """An open warehouse holding only the empty database ``client_src``."""
    _shared_warehouse.use(None)
    schemas = _shared_warehouse.run(
        "SELECT schema_name FROM information_schema.schemata "
        "WHERE catalog_name = current_database() AND schema_name <> 'main'"
    ).rows
    for (schema,) in schemas:  # through run(), so the connection forgets what it remembered
        _shared_warehouse.run(f'DROP SCHEMA "{schema}" CASCADE')
    _shared_warehouse.create_database("client_src")
    return _shared_warehouse
