"""Malformed pipeline.yml files, each through the CLI: exit 2, the expected message, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = "client: northwind_retail\n"
CASES = [
    ("empty", "", "pipeline.yml: the file is empty; it needs at least `client:`"),
    ("not_a_mapping", "- client\n", "pipeline.yml:1: the top level must be a mapping"),
    (
        "bad_yaml",
        "client: [a\ntarget: local\n",
        "pipeline.yml:2: not valid YAML: expected ',' or ']'",
    ),
    ("tab_indent", "client: abc\ntd:\n\tregion: us\n", "pipeline.yml:3: not valid YAML"),
    ("missing_client", "target: local\n", "pipeline.yml:1: client: required field missing"),
    ("client_typo", "clinet: northwind\n", "unknown field 'clinet'. Did you mean 'client'?"),
    ("client_generic", "client: demo\n", "client: 'demo' is a generic placeholder name"),
    ("client_uppercase", "client: Northwind\n", "'Northwind' is not a client name"),
    ("client_too_long", "client: " + "a" * 31 + "\n", "use 2 to 30 characters"),
    (
        "target_typo",
        BASE + "target: lokal\n",
        "pipeline.yml:2: target: 'lokal' is not one of local, td. Did you mean 'local'?",
    ),
    (
        "region_typo",
        BASE + "td:\n  region: eu1\n",
        "pipeline.yml:3: td.region: 'eu1' is not one of us, eu01, jp, ap02, ap03. Did you mean 'eu01'?",
    ),
    (
        "api_key_in_file",
        BASE + "td:\n  api_key: abc\n",
        "the TD API key is never written in pipeline.yml",
    ),
    (
        "key_shaped_value",
        BASE + "# 1234/" + "a" * 40 + "\n",
        "pipeline.yml:2: this looks like a TD API key",
    ),
    (
        "bad_endpoint",
        BASE + "td:\n  endpoint: api.treasuredata.com\n",
        "td.endpoint: 'api.treasuredata.com' is not valid here",
    ),
    (
        "duplicate_key",
        BASE + "target: local\ntarget: td\n",
        "pipeline.yml:3: target: duplicate key 'target'",
    ),
    (
        "unknown_section",
        BASE + "stagging:\n  engine: presto\n",
        "unknown field 'stagging'. Did you mean 'staging'?",
    ),
    (
        "bad_database",
        BASE + "databases:\n  src: Bad-Name\n",
        "pipeline.yml:3: databases.src: 'Bad-Name' is not valid here",
    ),
    (
        "on_failure_typo",
        BASE + "orchestration:\n  on_failure: abrot\n",
        "orchestration.on_failure: 'abrot' is not one of ask, abort, skip, retry. Did you mean 'abort'?",
    ),
    (
        "negative_timeout",
        BASE + "orchestration:\n  monitor_timeout_seconds: -5\n",
        "pipeline.yml:3: orchestration.monitor_timeout_seconds: Input should be greater than 0 (got -5)",
    ),
    (
        "deploy_attempts_text",
        BASE + "orchestration:\n  deploy_attempts: many\n",
        "orchestration.deploy_attempts: Input should be a valid integer",
    ),
    (
        "staging_engine",
        BASE + "staging:\n  engine: sparkk\n",
        "staging.engine: 'sparkk' is not one of presto, hive",
    ),
    (
        "local_compression",
        BASE + "local:\n  compression: heavy\n",
        "pipeline.yml:3: local.compression: 'heavy' is not one of auto, light",
    ),
    (
        "staging_table",
        BASE + "staging:\n  tables: [Orders-2024]\n",
        "pipeline.yml:3: staging.tables.0: 'Orders-2024' is not valid here",
    ),
    (
        "unification_no_name",
        BASE + "unification:\n  id_method: canonical_id\n",
        "pipeline.yml:2: unification.name: required field missing",
    ),
    (
        "unification_method",
        BASE + "unification:\n  name: c360\n  id_method: canonical\n",
        "pipeline.yml:4: unification.id_method: 'canonical' is not one of persistent_id, canonical_id. Did you mean 'canonical_id'?",
    ),
    (
        "coverage_over_one",
        BASE + "unification:\n  name: c360\n  coverage_threshold: 90\n",
        "unification.coverage_threshold: Input should be less than or equal to 1",
    ),
    (
        "nested_unknown",
        BASE + "unification:\n  name: c360\n  keys:\n    - nmae: email\n",
        "pipeline.yml:5: unification.keys.0.nmae: unknown field 'nmae'. Did you mean 'name'?",
    ),
    (
        "section_not_mapping",
        BASE + "orchestration: fast\n",
        "pipeline.yml:2: orchestration: Input should be a valid dictionary",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_pipeline_is_named_precisely(
    run_cdpo, tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "pipeline.yml").write_text(text)
    result = run_cdpo("plan", "-p", tmp_path)
    assert result.exit_code == 2
    assert expected in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_file_says_how_to_create_one(run_cdpo, tmp_path: Path) -> None:
    result = run_cdpo("plan", "-p", tmp_path)
    assert result.exit_code == 2
    assert "no pipeline file here" in result.stderr
    assert "cdpo init" in result.stderr


SOURCE = "ingestion:\n  sources:\n    - name: shop\n      start_date: 2024-01-01\n"
PHASE_CASES = [
    (
        "connector_typo",
        SOURCE + "      connector: fil\n      objects: [orders]\n",
        "pipeline.yml:6: ingestion.sources.0.connector: unknown connector type 'fil'",
    ),
    (
        "file_without_path",
        SOURCE + "      connector: file\n      objects: [orders]\n",
        "pipeline.yml:4: ingestion.sources.0: object 'orders' of source 'shop': a file object needs 'path'",
    ),
    (
        "no_sources",
        "ingestion:\n  sources: []\n",
        "pipeline.yml:3: ingestion.sources: List should have at least 1 item",
    ),
    (
        "hist_union_twice",
        "hist_union:\n  tables: [orders, orders_hist]\n",
        "pipeline.yml:2: hist_union: tables listed twice",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in PHASE_CASES], ids=[c[0] for c in PHASE_CASES]
)
def test_malformed_phase_section(run_cdpo, tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "pipeline.yml").write_text(BASE + text)
    result = run_cdpo("plan", "-p", tmp_path)
    assert result.exit_code == 2
    assert expected in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr
