"""The ``unification:`` section of pipeline.yml, and where the truth file's record ids come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.errors import ConfigError
from cdpo.phases.unification.truth import record_id_columns
from cdpo.samples import TRUTH_PATH, generate_dataset

from ..ingestion.helpers import write_pipeline


def test_defaults(tmp_path: Path) -> None:
    settings = write_pipeline(tmp_path, unification={"name": "customer_360"}).unification
    assert (settings.id_method, settings.update_strategy) == ("persistent_id", "incremental")
    assert (settings.merge_iterations, settings.incremental_merge_iterations) == (15, 10)
    assert settings.coverage_threshold == 0.9 and settings.default_blocked_values
    assert settings.truth_file is None and settings.key_columns == {}


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"coverage_threshold": 1.5}, "unification.coverage_threshold"),
        ({"merge_iterations": 50}, "unification.merge_iterations"),
        ({"key_colums": {}}, "unification.key_colums"),
        ({"keys": [{"name": "E-mail"}]}, "unification.keys.0.name"),
    ],
)
def test_bad_values_name_the_field_and_line(tmp_path: Path, section, field) -> None:
    with pytest.raises(ConfigError) as caught:
        write_pipeline(tmp_path, unification={"name": "customer_360", **section})
    assert field in str(caught.value) and "pipeline.yml:" in str(caught.value)


def test_record_ids_come_from_the_demo_manifest_or_pipeline_yml(tmp_path: Path) -> None:
    dataset = generate_dataset(tmp_path / "data", people=20)
    truth = dataset.path(TRUTH_PATH)
    settings = write_pipeline(tmp_path, unification={"name": "c360"}).unification
    found = record_id_columns(settings, truth)
    assert found == {e.table: e.record_id for e in dataset.extracts}
    assert found["crm_customers"] == "customer_no"
    given = write_pipeline(
        tmp_path, unification={"name": "c360", "truth_record_ids": {"members": "member_no"}}
    ).unification
    assert record_id_columns(given, truth) == {"members": "member_no"}
    with pytest.raises(ConfigError, match=r"no dataset\.json above it"):
        record_id_columns(settings, tmp_path / "elsewhere" / "truth.parquet")
