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

import cdpo.phases
from cdpo.config import load_pipeline
from cdpo.orchestrator import write_demo
from cdpo.orchestrator.demo import set_demo_secrets

DEMO_PEOPLE = 150


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
    write_demo(root, people=DEMO_PEOPLE, implemented=[p.name for p in cdpo.phases.PHASES])
    saved = dict(os.environ)
    try:
        set_demo_secrets(load_pipeline(root / "pipeline.yml"))
        code = run(["run", "-p", str(root), "--yes"])
    finally:  # set_demo_secrets exported placeholders: leave no trace for other tests
        os.environ.clear()
        os.environ.update(saved)
    yield DemoRun(root, code, json.loads((root / "pipeline_state.json").read_text()))
