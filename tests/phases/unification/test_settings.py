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


def _master(**source: object) -> dict[str, object]:
    return {"name": "golden", "attributes": [
        {"name": "email", "source_columns": [{"table": "customers", **source}]}]}  # fmt: skip


CANONICAL = {"id_method": "canonical_id"}
KEYS = {"keys": [{"name": "customer_id"}, {"name": "email"}]}


@pytest.mark.parametrize(
    ("section", "field", "message"),
    [
        ({"do_not_merge_key": "customer_id"}, "unification.do_not_merge_key",
         "TD's persistent ids do not support do_not_merge_key; set id_method: canonical_id"),
        ({**CANONICAL, **KEYS, "do_not_merge_key": "member_id"}, "unification.do_not_merge_key",
         "'member_id' is not one of unification.keys (customer_id, email)"),
        ({**CANONICAL, **KEYS, "do_not_merge_key": "email"}, "unification.do_not_merge_key",
         "'email' must be listed first in unification.keys"),
        ({"master_tables": [_master(priority=0)]},
         "unification.master_tables.0.attributes.0.source_columns.0.priority",
         "greater than or equal to 1"),
        ({"master_tables": [{"name": "golden", "attributes": [{"name": "email", "source_columns": [
            {"table": "customers", "priority": 1}, {"table": "orders", "priority": 1}]}]}]},
         "unification.master_tables.0.attributes.0.source_columns",
         "priority 1 is given to two source columns"),
        ({"master_tables": [_master(order="latest")]},
         "unification.master_tables.0.attributes.0.source_columns.0.order",
         "'latest' is not one of last, first. Did you mean 'last'?"),
        ({"master_tables": [{"name": "golden", "attributes": [
            {"name": "email", "array_elements": 11, "source_columns": [{"table": "customers"}]}]}]},
         "unification.master_tables.0.attributes.0.array_elements", "less than or equal to 10"),
        ({"master_tables": [{**_master(), "canonical_id": "person_id"}]},
         "unification.master_tables",
         "master_tables[0].canonical_id is 'person_id'; this unification's id is persistent_id "
         "'customer_360'"),
        ({"master_tables": [_master(), _master()]}, "unification.master_tables",
         "master table 'golden' is defined twice"),
        ({"master_tables": [{"name": "golden", "attributes": []}]},
         "unification.master_tables.0.attributes", "at least 1 item"),
    ],
)  # fmt: skip
def test_bad_master_tables_and_do_not_merge_key(tmp_path: Path, section, field, message) -> None:
    with pytest.raises(ConfigError) as caught:
        write_pipeline(tmp_path, unification={"name": "customer_360", **section})
    assert caught.value.field == field and message in caught.value.problem
    assert caught.value.line is not None


def test_master_tables_absent_means_the_default_and_empty_means_none(tmp_path: Path) -> None:
    settings = write_pipeline(tmp_path, unification={"name": "c360"}).unification
    assert settings.master_tables is None and settings.do_not_merge_key is None
    off = write_pipeline(tmp_path, unification={"name": "c360", "master_tables": []})
    assert off.unification.master_tables == ()
    given = write_pipeline(tmp_path, unification={
        "name": "c360", "id_method": "canonical_id", "do_not_merge_key": "customer_id",
        "master_tables": [{**_master(column="email_std"), "canonical_id": "c360"}],
    }).unification  # fmt: skip
    (source,) = given.master_tables[0].attributes[0].source_columns
    assert (source.table, source.column, source.priority, source.order, source.order_by) == (
        "customers", "email_std", None, "last", "time",
    )  # fmt: skip


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
