"""A local target with staging inputs, and a runner that generates the staging project and runs
it on the local Digdag runtime (real DuckDB), as the orchestrator would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cdpo.phases.base import GeneratedProject, PhaseContext
from cdpo.phases.staging import StagingPhase
from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import write_pipeline
from ..tables import create_table
from ..tables import insert_rows as append_rows

SRC, STG, CONFIG = "northwind_src", "northwind_stg", "northwind_config"


@pytest.fixture
def target(tmp_path: Path) -> Iterator[LocalTarget]:
    local = LocalTarget(tmp_path / "target")
    for database in (SRC, STG, CONFIG):
        local.create_database(database)
    yield local
    local.close()


def make_table(
    target: LocalTarget, name: str, columns: str, rows: list[tuple[Any, ...]] = ()
) -> None:
    """Create ``northwind_src.<name>`` with ``columns`` (SQL) and insert ``rows``."""
    create_table(target, f"{SRC}.{name}", columns, rows)


def insert_rows(target: LocalTarget, name: str, rows: list[tuple[Any, ...]]) -> None:
    append_rows(target, f"{SRC}.{name}", rows)


def generate(tmp_path: Path, target: LocalTarget, **section: Any) -> GeneratedProject:
    pipeline = write_pipeline(tmp_path / "pipeline", staging=section)
    return StagingPhase().generate(PhaseContext(pipeline, target, tmp_path / "pipeline"))
