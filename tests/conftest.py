"""Fixtures shared by the whole suite: a clean environment and an in-process CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cdpo.cli import run


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's TD_* or CDPO_* variables."""
    for name in list(os.environ):
        if name.startswith(("TD_", "CDPO_")):
            monkeypatch.delenv(name, raising=False)
    yield


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cdpo(capsys: pytest.CaptureFixture[str]):
    """Run the ``cdpo`` CLI in-process, as a user would, and return its exit code and output."""

    def _run(*args: str) -> CliResult:
        capsys.readouterr()
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return _run
