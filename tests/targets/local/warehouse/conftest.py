"""Fixtures for the warehouse tests: a real DuckDB file in ``tmp_path`` with one TD database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cdpo.targets.local.warehouse import Warehouse


@pytest.fixture
def wh_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def wh(wh_path: Path) -> Iterator[Warehouse]:
    """An open warehouse holding the empty database ``client_src``."""
    with Warehouse(wh_path, lock_timeout=0) as warehouse:
        warehouse.create_database("client_src")
        yield warehouse
