"""A small demo data set generated once per test session, and a reader of its files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cdpo.samples import Dataset, Extract, generate_dataset

Reader = Callable[[Extract, str], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The ``small`` size (2,000 people), seed 42, as ``cdpo demo`` writes it."""
    return generate_dataset(tmp_path_factory.mktemp("small"), size="small")


def read_extract(dataset: Dataset, extract: Extract, part: str) -> list[dict[str, Any]]:
    """Rows of an extract's ``hist`` or ``inc`` file, every column as the file holds it.

    CSV is read as text with quoted empty strings kept apart from empty (null) fields.
    """
    path = str(dataset.path(extract.hist_path if part == "hist" else extract.inc_path))
    readers = {
        "jsonl": "read_json(?, format = 'newline_delimited', columns = {columns})",
        "csv": "read_csv(?, header = true, all_varchar = true, allow_quoted_nulls = false)",
        "parquet": "read_parquet(?)",
    }
    columns = dict(extract.columns)
    if part == "inc":
        columns["incremental_date"] = "VARCHAR"
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    with duckdb.connect() as con:
        cursor = con.execute(
            f"SELECT * FROM {readers[extract.format].format(columns=spec)}", [path]
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="session")
def rows(small: Dataset) -> Callable[[str, str], list[dict[str, Any]]]:
    """``rows(table, part)``: the rows of a small data set's file, cached per session."""
    cache: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def _rows(table: str, part: str = "both") -> list[dict[str, Any]]:
        parts = ("hist", "inc") if part == "both" else (part,)
        out: list[dict[str, Any]] = []
        for p in parts:
            if (table, p) not in cache:
                cache[table, p] = read_extract(small, small.extract(table), p)
            out.extend(cache[table, p])
        return out

    return _rows


def digest(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
