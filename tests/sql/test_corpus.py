"""translate() on the statements cdpo's own phases send: the same DuckDB SQL, byte for byte.

``corpus/demo_statements.json`` holds one statement of each shape the small demo translated
(ingestion, hist-union, staging, unification: literals aside) with the DuckDB statements the
translator wrote before its rules were made cheaper; a change to a rule or to how the rules run
that alters any of them shows here, whatever the executed cases in ``cases/`` still accept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdpo.sql import translate

CORPUS = Path(__file__).parent / "corpus" / "demo_statements.json"


def _corpus() -> list[Any]:
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))
    return [pytest.param(case, id=f"{number}") for number, case in enumerate(cases)]


def test_the_corpus_covers_the_rules_that_fire_in_the_demo() -> None:
    text = CORPUS.read_text(encoding="utf-8")
    assert len(json.loads(text)) >= 40
    for construct in ("CAST(", "TD_TIME_PARSE", "TD_TIME_STRING", "regexp_replace", "ERROR("):
        assert construct in text, construct


@pytest.mark.parametrize("case", _corpus())
def test_demo_statement_translates_as_before(case: dict[str, Any]) -> None:
    assert translate(case["sql"], read=case["read"]) == case["duckdb"]
