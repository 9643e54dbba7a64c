"""The demo's synthetic data set staged end to end through ``cdpo run``: the hist extracts are
loaded as the ``_histunion`` inputs (as text, as connectors land them), and the run's state file
carries the staging checks with their quality metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdpo.samples import generate_dataset
from cdpo.targets.local import LocalTarget

SRC = "northwind_retail_src"
READERS = {"jsonl": "read_json_objects", "csv": "read_csv", "parquet": "read_parquet"}


def _load(target: LocalTarget, data: Path, extract: Any) -> str:
    """``{table}_histunion`` from the hist file: every value as text (JSON as its JSON text)."""
    path = (data / extract.hist_path).as_posix()
    if extract.format == "jsonl":
        columns = [f'json_extract_string(json, \'$."{n}"\') AS "{n}"' for n, _ in extract.columns]
        source = f"read_json_objects('{path}')"
    else:
        columns = [f'CAST("{n}" AS VARCHAR) AS "{n}"' for n, _ in extract.columns]
        extra = ", all_varchar = true" if extract.format == "csv" else ""
        source = f"{READERS[extract.format]}('{path}'{extra})"
    table = f"{extract.table}_histunion"
    target.query(
        f"CREATE TABLE {SRC}.{table} AS SELECT {', '.join(columns)}, "
        f"1704067200 + CAST(row_number() OVER () AS BIGINT) AS time FROM {source}"
    )
    return table


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cdpo.cli import run

    root = tmp_path_factory.mktemp("demo_staging")
    dataset = generate_dataset(root / "data", people=40)
    target = LocalTarget(root)
    target.create_database(SRC)
    tables = [_load(target, root / "data", e) for e in dataset.extracts]
    target.close()
    document = {
        "client": "northwind_retail",
        "orchestration": {
            "on_warning": "proceed",
            "poll_initial_seconds": 0.1,
            "poll_max_seconds": 0.5,
        },
        "staging": {"tables": tables, "rules": {"shopify_customers": {"dedup": {"keys": ["id"]}}}},
    }
    (root / "pipeline.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    assert run(["run", "-p", str(root), "--yes"]) == 0
    return json.loads((root / "pipeline_state.json").read_text())


def test_the_demo_data_is_staged_with_checks_in_the_state_file(state: dict[str, Any]) -> None:
    phase = state["phases"]["staging"]
    assert phase["status"] == "completed"
    checks = {(c["name"], c["table"]): c for c in phase["checks"]}
    tables = {table for _, table in checks}
    assert len(tables) == 7
    for table in tables:
        assert checks[("staging_schema", table)]["status"] == "pass"
        assert checks[("staging_rows", table)]["status"] == "pass"
        assert checks[("staging_quality", table)]["status"] in ("pass", "warn")


def test_quality_metrics_reflect_the_known_dirt(state: dict[str, Any]) -> None:
    checks = {(c["name"], c["table"]): c for c in state["phases"]["staging"]["checks"]}
    crm = checks[("staging_quality", "northwind_retail_stg.crm_customers")]["metrics"]["columns"]
    assert crm["email"]["class"] == "email" and crm["email_opt_in"]["class"] == "boolean"
    assert crm["birth_date"]["class"] == "date" and crm["birth_date"]["parse_failures"] == 0
    shop = checks[("staging_quality", "northwind_retail_stg.shopify_customers")]["metrics"][
        "columns"
    ]
    assert shop["created_at"]["class"] == "date" and shop["created_at"]["valid_share"] == 1.0
    assert shop["default_address"]["class"] == "json"
    profiles = checks[("staging_quality", "northwind_retail_stg.klaviyo_profiles")]["metrics"][
        "columns"
    ]
    assert (
        profiles["phone_number"]["class"] == "phone"
        and profiles["phone_number"]["valid_share"] == 1.0
    )
    emails = [
        m["email"]["valid_share"]
        for (name, _), c in checks.items() if name == "staging_quality"
        for m in [c["metrics"]["columns"]] if "email" in m
    ]  # fmt: skip
    assert emails and all(0.9 <= share <= 1.0 for share in emails)
    rows = checks[("staging_rows", "northwind_retail_stg.shopify_customers")]
    assert rows["metrics"]["rows"] == rows["metrics"]["expected_rows"]
