"""The Target contract of ``tests/targets/local/test_local_target.py``, run on ``local`` and on
``td`` pointed at ``cdpo server`` on loopback (ids=): the same checks, both targets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.targets.local.test_local_target import (
    WORKFLOW,
    test_databases_and_missing_things,
    test_push_start_poll_and_inspect_the_warehouse,
)

from cdpo.targets import Target
from cdpo.targets.local import LocalTarget
from cdpo.targets.td import TdTarget

__all__ = [
    "test_databases_and_missing_things",
    "test_push_start_poll_and_inspect_the_warehouse",
]


@pytest.fixture(params=["local", "td"], ids=["local", "td"])
def target(
    request: pytest.FixtureRequest, tmp_path: Path, make_target: Callable[..., TdTarget]
) -> Iterator[Target]:
    if request.param == "local":
        with LocalTarget(tmp_path / "root", retry_interval_scale=0.0) as local:
            yield local
    else:
        yield make_target(default_database="contract_db")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "contract"
    directory.mkdir()
    (directory / "load.dig").write_text(WORKFLOW)
    return directory
