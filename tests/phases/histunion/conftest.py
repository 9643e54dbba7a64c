"""A local target with the source tables of a hist-union test, and a step-by-step runner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdpo.targets.local import LocalTarget

from ..tables import create_table
from ..tables import insert_rows as append_rows

SRC, CONFIG = "northwind_src", "northwind_config"


@pytest.fixture
def target(tmp_path: Path) -> Iterator[LocalTarget]:
    local = LocalTarget(tmp_path)
    local.create_database(SRC)
    local.create_database(CONFIG)
    yield local
    local.close()


def make_table(
    target: LocalTarget, name: str, columns: str, rows: list[tuple[Any, ...]] = ()
) -> None:
    """Create ``northwind_src.<name>`` with ``columns`` (SQL) and insert ``rows``, in one call."""
    create_table(target, f"{SRC}.{name}", columns, rows)


def insert_rows(target: LocalTarget, name: str, rows: list[tuple[Any, ...]]) -> None:
    append_rows(target, f"{SRC}.{name}", rows)


class Steps:
    """Runs one table's tasks of the generated runner by hand, in order, so a test can act
    between them (land rows after the bounds are read, fail before the watermark is recorded)."""

    def __init__(self, target: LocalTarget, directory: Path, base: str) -> None:
        self.target, self.directory, self.base = target, directory, base
        runner = yaml.safe_load((directory / "hist_union_runner.dig").read_text())
        self.setup = [runner["+create_inc_log_table"]["query"]]
        tasks = runner["+hist_union_tasks"][f"+{base}_histunion"]
        self.setup += [t["query"] for k, t in tasks.items() if "query" in t]
        self.full_load = "+rebuild" in tasks
        self.bounds: dict[str, Any] = {}

    def _sql(self, suffix: str) -> str:
        text = (self.directory / f"queries/{self.base}{suffix}.sql").read_text()
        return re.sub(
            r"\$\{td\.last_results\.(\w+)\}", lambda m: str(self.bounds[m.group(1)]), text
        )

    def read_bounds(self) -> dict[str, Any]:
        setup_and_bounds = ";\n".join([*self.setup, self._sql("_bounds")])
        self.bounds = self.target.query(setup_and_bounds).records()[0]
        return self.bounds

    def insert(self) -> None:
        sql = self._sql("")
        if self.full_load:
            sql = f"CREATE OR REPLACE TABLE {SRC}.{self.base}_histunion AS {sql}"
        self.target.query(sql)

    def record(self) -> None:
        self.target.query(self._sql("_watermark"))

    def run(self) -> None:
        self.read_bounds()
        self.insert()
        self.record()
