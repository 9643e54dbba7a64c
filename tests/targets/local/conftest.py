"""Fixtures for the local runtime's tests: write a Digdag project, run cdpo digdag on it."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from cdpo.targets.local import LocalTarget


@pytest.fixture
def write_project(tmp_path: Path) -> Callable[..., Path]:
    """Write ``{relative path: text}`` (dedented) into a fresh project directory; return it."""

    def _write(files: dict[str, str], name: str = "proj") -> Path:
        project = tmp_path / name
        for relative, text in files.items():
            path = project / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return project

    return _write


@pytest.fixture
def runtime_root(tmp_path: Path) -> Path:
    """The --root of the runs: where .cdpo/ (store and warehouse) lives."""
    return tmp_path / "root"


@pytest.fixture
def digdag_run(run_cdpo, runtime_root: Path):
    """``cdpo digdag run PROJECT WORKFLOW --root ROOT ...`` in-process."""

    def _run(project: Path, workflow: str, *args: str):
        return run_cdpo("digdag", "run", str(project), workflow, "--root", str(runtime_root), *args)

    return _run


@pytest.fixture
def local_target(runtime_root: Path):
    """A ``LocalTarget`` on the same root, to inspect what the CLI recorded."""
    target = LocalTarget(runtime_root, retry_interval_scale=0.0)
    yield target
    target.close()


@pytest.fixture
def wait_for() -> Callable[..., None]:
    """``wait_for(predicate, timeout=60)``: poll every 50 ms until it holds, fail at the timeout."""

    def _wait(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "condition not met in time"
            time.sleep(0.05)

    return _wait


def text_compressions(path: Path, table: str) -> set[str]:
    """How DuckDB stored the text column of ``table`` (read-only, after the writer closed)."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info(?) "
            "WHERE column_name = 'email' AND segment_type = 'VARCHAR'",
            [table],
        ).fetchall()
    return {r[0] for r in rows}
