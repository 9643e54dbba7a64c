"""The whole demo pipeline, run once per test session: every source, the full window, all phases.

Kept small (a few hundred people) so it stays fast; tests read its warehouse, never run it again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DEMO_PEOPLE = 150
API_KEY = "31337/" + "9f8e7d6c5b4a" * 3 + "3210"
"""Set as TD_API_KEY during the run (the local runtime hands it to td.apikey): no file may hold it."""


@dataclass(frozen=True)
class DemoRun:
    """A finished ``cdpo run`` of the demo: its directory, exit code and state document."""

    root: Path
    code: int
    state: dict[str, Any]

    @property
    def warehouse(self) -> Path:
        return self.root / ".cdpo" / "warehouse.duckdb"


@pytest.fixture(scope="session")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    from cdpo.cli import run

    root = tmp_path_factory.mktemp("full_demo")
    saved = dict(os.environ)
    os.environ["TD_API_KEY"] = API_KEY
    try:  # `cdpo demo` as a user types it: writes the data and pipeline.yml, then runs it
        code = run(["demo", "--dir", str(root), "--people", str(DEMO_PEOPLE), "--yes"])
    finally:  # the key and set_demo_secrets' placeholders: leave no trace for other tests
        os.environ.clear()
        os.environ.update(saved)
    yield DemoRun(root, code, json.loads((root / "pipeline_state.json").read_text()))
