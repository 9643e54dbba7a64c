"""Hist-union generation: names (§3.1), runner anatomy (§3.2), SQL that parses, bad inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cdpo.errors import ConfigError, GenerateError
from cdpo.phases.base import PhaseContext
from cdpo.phases.histunion import HistUnionPhase
from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import parse_sql, queries_of, write_pipeline
from .conftest import SRC, make_table


def _sources(target: LocalTarget) -> None:
    make_table(
        target, "shop_orders", "incremental_date VARCHAR, id BIGINT, amount VARCHAR, time BIGINT"
    )
    make_table(target, "shop_orders_hist", "id BIGINT, amount BIGINT, time BIGINT")
    make_table(target, "klaviyo_lists", "id BIGINT, time BIGINT")
    make_table(target, "klaviyo_lists_hist", "id BIGINT, time BIGINT")


def _generate(tmp_path: Path, target: LocalTarget, **section: object):
    pipeline = write_pipeline(tmp_path, hist_union=section)
    return HistUnionPhase().generate(PhaseContext(pipeline, target, tmp_path))


def test_names_files_and_runner(tmp_path: Path, target: LocalTarget, run_cdpo) -> None:
    _sources(target)
    project = _generate(
        tmp_path,
        target,
        tables=[f"{SRC}.shop_orders_hist", "klaviyo_lists"],
        full_load=["klaviyo_lists"],
    )
    assert project.tables == (f"{SRC}.shop_orders_histunion", f"{SRC}.klaviyo_lists_histunion")
    checked = run_cdpo("digdag", "check", project.directory)
    assert checked.exit_code == 0 and "No problems found." in checked.stdout, checked.stderr
    assert [r.workflow for r in project.runs] == ["hist_union_runner"]
    assert (
        "queries/shop_orders.sql" in project.files and "queries/klaviyo_lists.sql" in project.files
    )
    runner = yaml.safe_load((project.directory / "hist_union_runner.dig").read_text())
    assert runner["timezone"] == "UTC" and "schedule" not in runner
    assert runner["_export"] == {"td": {"database": SRC}, "lkup_db": "northwind_config"}
    assert "inc_log" in runner["+create_inc_log_table"]["query"]
    tasks = runner["+hist_union_tasks"]
    assert tasks["_parallel"] is True
    assert list(tasks["+shop_orders_histunion"]) == [
        "+create_table", "+read_watermarks", "+insert_new_rows", "+record_watermarks",
    ]  # fmt: skip
    assert (
        tasks["+klaviyo_lists_histunion"]["+rebuild"]["create_table"] == "klaviyo_lists_histunion"
    )
    for query in queries_of(runner):
        assert parse_sql(query)
    for name in project.files:
        if name.endswith(".sql"):
            text = (project.directory / name).read_text()
            assert parse_sql(text), name
            assert "`" not in text


def test_the_watermark_is_read_before_and_recorded_after_the_insert(
    tmp_path: Path, target: LocalTarget
) -> None:
    _sources(target)
    project = _generate(tmp_path, target, tables=["shop_orders"])
    bounds = (project.directory / "queries/shop_orders_bounds.sql").read_text()
    insert = (project.directory / "queries/shop_orders.sql").read_text()
    watermark = (project.directory / "queries/shop_orders_watermark.sql").read_text()
    assert "MAX(time)" in bounds and "inc_log" in bounds
    assert "time > ${td.last_results.inc_lo} AND time <= ${td.last_results.inc_hi}" in insert
    assert 'CAST(NULL AS varchar) AS "incremental_date"' in insert
    assert 'CAST("amount" AS varchar) AS "amount"' in insert
    statement = watermark.split("\n", 2)[2]  # after the two comment lines
    assert "MAX(" not in statement and "${td.last_results.inc_hi}" in watermark
    assert "'hist_union'" in watermark


def test_tables_all_come_from_the_ingestion_model(tmp_path: Path, target: LocalTarget) -> None:
    make_table(target, "shop_orders", "id BIGINT, time BIGINT")
    make_table(target, "shop_orders_hist", "id BIGINT, time BIGINT")
    source = {"name": "shop", "connector": "file", "start_date": "2024-01-01", "incremental_start": "2024-02-01",
              "incremental_field": "updated_at", "objects": [{"name": "orders", "path": "o.csv"}]}  # fmt: skip
    pipeline = write_pipeline(
        tmp_path, ingestion={"sources": [source]}, hist_union={"tables": "all"}
    )
    plan = HistUnionPhase().plan(pipeline)
    assert plan.tables == (f"{SRC}.shop_orders_histunion",)
    assert HistUnionPhase().inputs(pipeline) == (f"{SRC}.shop_orders", f"{SRC}.shop_orders_hist")


def test_a_missing_history_table_fails_before_anything_is_written(
    tmp_path: Path, target: LocalTarget
) -> None:
    make_table(target, "shop_orders", "id BIGINT, time BIGINT")
    with pytest.raises(GenerateError, match=f"history table {SRC}.shop_orders_hist does not exist"):
        _generate(tmp_path, target, tables=["shop_orders"])
    assert not (tmp_path / "hist_union").exists()


def test_a_table_name_that_is_not_an_identifier_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a valid TD name") as raised:
        write_pipeline(tmp_path, hist_union={"tables": ["shop orders; drop table x"]})
    assert "hist_union" in raised.value.message


def test_all_without_ingestion_says_what_to_do(tmp_path: Path) -> None:
    pipeline = write_pipeline(tmp_path, hist_union={"tables": "all"})
    with pytest.raises(ConfigError, match="takes the tables from the ingestion section"):
        HistUnionPhase().plan(pipeline)


def test_same_base_from_two_databases_is_refused(tmp_path: Path) -> None:
    pipeline = write_pipeline(
        tmp_path, hist_union={"tables": ["northwind_src.orders", "other_src.orders"]}
    )
    with pytest.raises(ConfigError, match="orders listed from two databases"):
        HistUnionPhase().plan(pipeline)
