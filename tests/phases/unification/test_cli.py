"""``cdpo run`` on a pipeline whose only phase is unification, over staged tables already in the
local warehouse: the orchestrator generates, deploys, runs, monitors and validates the phase."""

from __future__ import annotations

from pathlib import Path

import yaml

from cdpo.targets.local import LocalTarget

from .conftest import CONFIG, OUT, STG, retail_tables, section


def test_cdpo_run_unifies_and_validates(tmp_path: Path, run_cdpo) -> None:
    root = tmp_path / "acme"
    root.mkdir()
    pipeline = {"client": "northwind", "unification": section(coverage_threshold=0.9)}
    (root / "pipeline.yml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    with LocalTarget(root, root / ".cdpo" / "warehouse.duckdb") as target:
        for database in (STG, CONFIG, OUT):
            target.create_database(database)
        retail_tables(target)
    result = run_cdpo("run", "-p", str(root), "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = (root / "pipeline_report.md").read_text()
    assert "unification_coverage" in report and "90.9%" in report
    assert (root / "unification" / "config" / "unify.yml").is_file()
