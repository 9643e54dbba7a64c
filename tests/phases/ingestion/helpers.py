"""Shared helpers of the ingestion and hist-union tests: pipelines from dicts, SQL parse-back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlglot
import yaml

from cdpo.config import PipelineConfig, load_pipeline

_EXPRESSION = re.compile(r"\$\{[^}]*\}")


def write_pipeline(root: Path, **sections: Any) -> PipelineConfig:
    """Write ``pipeline.yml`` for client northwind with ``sections`` and load it."""
    root.mkdir(parents=True, exist_ok=True)
    document = {"client": "northwind", **sections}
    (root / "pipeline.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    return load_pipeline(root / "pipeline.yml")


def parse_sql(text: str, dialect: str = "trino") -> list[sqlglot.Expression]:
    """Parse SQL (TD's by default) after replacing every Digdag ``${...}`` with a sample name."""
    return [e for e in sqlglot.parse(_EXPRESSION.sub("x1", text), read=dialect) if e is not None]


def queries_of(node: Any) -> list[str]:
    """Every inline ``query:`` of a parsed ``.dig`` document."""
    if isinstance(node, dict):
        if "in" in node and "out" in node:
            return []  # a load config: its query is the source system's SQL, not TD's
        found = [node["query"]] if isinstance(node.get("query"), str) else []
        return found + [q for value in node.values() for q in queries_of(value)]
    if isinstance(node, list):
        return [q for value in node for q in queries_of(value)]
    return []
