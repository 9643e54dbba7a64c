"""Generation per source family: files, field names and tasks as the spec lays them out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdpo.phases.base import PhaseContext
from cdpo.phases.ingestion import IngestionPhase

from .helpers import parse_sql, queries_of, write_pipeline

_START = {"start_date": "2024-01-01", "incremental_start": "2024-04-01"}

FAMILIES: dict[str, dict[str, Any]] = {
    "shopify_v2": {"name": "shopify_v2", "connector": "shopify_v2", "objects": ["products", "product_variants"], "auth_id": 360360},
    "shopify_v1": {"name": "shopify", "connector": "shopify_v1", "objects": ["customers"], "auth_id": 360617},
    "klaviyo": {"name": "klaviyo", "connector": "klaviyo", "objects": ["events", "campaigns", "metrics"], "auth_id": 360030},
    "bigquery": {"name": "google_bigquery", "connector": "bigquery", "objects": ["orders"], "auth_id": 360071,
                 "incremental_field": "updated_at", "options": {"project_id": "acme-gcp", "dataset": "sales"}},
    "snowflake": {"name": "snowflake", "connector": "snowflake", "objects": ["CUSTOMERS"], "auth_id": 1,
                  "incremental_field": "UPDATED_AT",
                  "options": {"account_name": "ACME-EU1", "warehouse": "WH", "database": "RAW", "schema": "PUBLIC"}},
    "sftp": {"name": "partner", "connector": "sftp", "objects": [{"name": "stores", "path": "/in/stores_"}],
             "options": {"columns": {"stores": [{"name": "store_id", "type": "string"}]}}},
    "pinterest": {"name": "pinterest", "connector": "pinterest",
                  "objects": [{"name": "campaigns", "path": "${secret:pinterest_campaigns_file_path}"}]},
    "onetrust": {"name": "onetrust", "connector": "onetrust", "objects": ["data_subject_profile"]},
    "file": {"name": "shop", "connector": "file", "incremental_field": "updated_at",
             "objects": [{"name": "orders", "path": "data/orders.csv"}, {"name": "customers", "path": "data/c.jsonl"}]},
}  # fmt: skip


_DIALECTS = {"bigquery_v2": "bigquery", "snowflake": "snowflake"}


def _generate(tmp_path: Path, source: dict[str, Any]) -> tuple[Any, Path]:
    pipeline = write_pipeline(tmp_path, ingestion={"sources": [{**_START, **source}]})
    project = IngestionPhase().generate(PhaseContext(pipeline, None, tmp_path))
    return project, project.directory


def _yaml(path: Path) -> Any:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!include", lambda loader, node: None)
    return yaml.load(path.read_text().replace("!include :", "!include _include:"), Loader=Loader)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_file_parses_back(tmp_path: Path, family: str, run_cdpo) -> None:
    project, directory = _generate(tmp_path, FAMILIES[family])
    checked = run_cdpo("digdag", "check", directory)
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    assert "No problems found." in checked.stdout
    assert set(project.files) == {
        p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()
    }
    for name in project.files:
        path = directory / name
        if name.endswith((".dig", ".yml")):
            document = _yaml(path)
            for query in queries_of(document):
                assert parse_sql(query), query
            source_query = (
                (document or {}).get("in", {}).get("query") if name.endswith("_load.yml") else None
            )
            if source_query:
                assert parse_sql(source_query, _DIALECTS[document["in"]["type"]])
        elif name.endswith(".sql"):
            assert parse_sql(path.read_text()), name
    assert "credentials_*.json" in (directory / ".gitignore").read_text()
    assert (directory / "sql/create_ingestion_log_table.sql").exists()


def test_shopify_v2_layout_and_fields(tmp_path: Path) -> None:
    project, directory = _generate(tmp_path, FAMILIES["shopify_v2"])
    assert [r.workflow for r in project.runs] == ["shopify_v2_ingest_hist", "shopify_v2_ingest_inc"]
    assert project.tables == (
        "northwind_src.shopify_products_hist", "northwind_src.shopify_product_variants_hist",
        "northwind_src.shopify_products", "northwind_src.shopify_product_variants",
    )  # fmt: skip
    datasources = _yaml(directory / "config/shopify_v2_datasources.yml")
    inc = datasources["inc_datasources"][0]
    assert inc == {
        "name": "products", "table_name": "shopify_products", "config_file": "shopify_v2_products_load.yml",
        "incremental_field": "updated_at", "incremental_field_connector": "updated_at",
        "default_start_time": "2024-03-31T23:59:59.999Z", "workflow_name": "shopify_v2_ingest_inc", "mode": "append",
    }  # fmt: skip
    hist = datasources["hist_datasources"][0]
    assert (hist["table_name"], hist["incremental_field"]) == (
        "shopify_products_hist",
        "created_at",
    )
    load = _yaml(directory / "config/shopify_v2_products_load.yml")
    assert load["in"] == {
        "type": "shopify_v2", "td_authentication_id": "${td_authentication_ids.shopify_v2.default}",
        "target": "${datasource.name}", "incremental": True, "from_date": "${start_time}", "to_date": "${end_time}",
        "incremental_field": "${datasource.incremental_field_connector}", "include_image": True,
    }  # fmt: skip
    assert load["filters"][0]["from_value"] == {"mode": "upload_time"}
    database = _yaml(directory / "config/database.yml")
    assert database["databases"]["src"] == "northwind_src"
    assert database["td_authentication_ids"] == {"shopify_v2": {"default": 360360}}


def test_hist_ranges_are_monthly_and_end_where_increments_start(tmp_path: Path) -> None:
    _, directory = _generate(tmp_path, FAMILIES["shopify_v2"])
    ranges = _yaml(directory / "config/hist_date_ranges.yml")["date_ranges"]["shopify_v2"]
    assert [r["month_name"] for r in ranges] == ["2024-01", "2024-02", "2024-03"]
    assert ranges[1] == {
        "month_name": "2024-02",
        "start_time": "2024-01-31T23:59:59.999Z",
        "end_time": "2024-02-29T23:59:59.999Z",
    }
    inc = _yaml(directory / "config/shopify_v2_datasources.yml")["inc_datasources"][0]
    assert ranges[-1]["end_time"] == inc["default_start_time"]


def test_incremental_workflow_anatomy(tmp_path: Path) -> None:
    _, directory = _generate(tmp_path, FAMILIES["shopify_v2"])
    text = (directory / "shopify_v2_ingest_inc.dig").read_text()
    assert "!include : 'config/database.yml'" in text
    assert "!include : 'config/shopify_v2_datasources.yml'" in text
    dig = _yaml(directory / "shopify_v2_ingest_inc.dig")
    assert dig["timezone"] == "UTC"
    tasks = [k for k in dig if k.startswith("+")]
    assert tasks == ["+create_ingestion_log", "+load_incremental_data"]
    loop = dig["+load_incremental_data"]
    assert loop["for_each>"] == {"datasource": "${inc_datasources}"}
    assert loop["_parallel"] == {"limit": 3}
    assert list(loop["_do"]) == [
        "+log_ingestion_start", "+setup_table_and_time", "+load_incremental", "+log_ingestion_success", "_error",
    ]  # fmt: skip
    watermark = loop["_do"]["+setup_table_and_time"]["_do"]["+get_last_incremental_time"]
    assert watermark["store_last_results"] is True
    assert "TD_TIME_PARSE(MAX(" in watermark["query"] and "'.000Z'" in watermark["query"]
    assert loop["_do"]["+load_incremental"]["td_load>"] == "config/${datasource.config_file}"
    assert dig["_error"]["+log_ingestion_error"]["td>"] == "sql/log_ingestion_error.sql"


def test_historical_workflow_skips_logged_months(tmp_path: Path) -> None:
    _, directory = _generate(tmp_path, FAMILIES["file"])
    dig = _yaml(directory / "shop_ingest_hist.dig")
    batches = dig["+load_historical_data"]["_do"]["+load_monthly_batches"]
    assert batches["for_each>"] == {"date_range": "${date_ranges.shop}"}
    check = batches["_do"]["+check_batch_status"]["query"]
    assert (
        "source_name = '${source_name}_${date_range.month_name}'" in check
        and "status = 'SUCCESS'" in check
    )
    process = batches["_do"]["+process_batch"]
    assert process["if>"] == "${td.last_results.already_processed == 0}"
    assert list(process["_do"]) == [
        "+log_batch_start",
        "+clear_batch",
        "+load_batch",
        "+log_batch_success",
    ]
    assert "echo>" in process["_else_do"]["+skip_batch"]


def test_klaviyo_objects_follow_the_connector_rules(tmp_path: Path) -> None:
    project, directory = _generate(tmp_path, FAMILIES["klaviyo"])
    assert "northwind_src.klaviyo_metric_data" in project.tables
    assert "northwind_src.klaviyo_metric_data_hist" not in project.tables
    events = _yaml(directory / "config/klaviyo_events_load.yml")["in"]
    assert events["skip_related_objects"] is True and "incremental_field" not in events
    metrics = _yaml(directory / "config/klaviyo_metrics_load.yml")["in"]
    assert metrics == {"type": "klaviyo", "data_source": "${datasource.name}",
                       "td_authentication_id": "${td_authentication_ids.klaviyo.default}"}  # fmt: skip
    inc = {
        d["name"]: d for d in _yaml(directory / "config/klaviyo_datasources.yml")["inc_datasources"]
    }
    assert inc["campaigns"]["incremental_field"] == "updated_at"
    assert inc["campaigns"]["incremental_field_connector"] == "updated"
    assert inc["metrics"]["mode"] == "replace" and inc["metrics"]["incremental_field"] is None
    assert inc["events"]["default_start_time"] == "2024-03-31T23:59:59.999999"


def test_bigquery_and_snowflake_bound_both_ends(tmp_path: Path) -> None:
    project, directory = _generate(tmp_path, FAMILIES["bigquery"])
    assert project.tables[-1] == "northwind_src.gbq_orders"
    query = _yaml(directory / "config/google_bigquery_orders_load.yml")["in"]["query"]
    assert "> '${start_time}'" in query and "<= '${end_time}'" in query
    _, directory = _generate(tmp_path / "sf", FAMILIES["snowflake"])
    config = _yaml(
        directory / "config/snowflake_CUSTOMERS_load.yml".replace("CUSTOMERS", "customers")
    )["in"]
    assert config["account_name"] == "ACME-EU1" and "account" not in config
    assert config["schema"] == "${datasource.schema}"
    parse_sql(config["query"])


def test_onetrust_is_one_dual_mode_workflow(tmp_path: Path) -> None:
    project, directory = _generate(tmp_path, FAMILIES["onetrust"])
    assert [(r.workflow, dict(r.params)) for r in project.runs] == [
        ("onetrust_ingest", {"run_mode": "hist"}), ("onetrust_ingest", {"run_mode": "inc"}),
    ]  # fmt: skip
    dig = _yaml(directory / "onetrust_ingest.dig")
    assert "run_mode" in dig["+load_data"]["if>"]
    assert "+load_historical_data" in dig["+load_data"]["_do"]
    assert "+load_incremental_data" in dig["+load_data"]["_else_do"]
    load = _yaml(directory / "config/onetrust_data_subject_profile_load.yml")["in"]
    assert load["access_token"] == "${secret:onetrust_access_token}"
    example = json.loads((directory / "credentials_ingestion.json.example").read_text())
    assert set(example) == {"onetrust_base_url", "onetrust_access_token"}


def test_sftp_logs_each_object_with_its_table(tmp_path: Path) -> None:
    project, directory = _generate(tmp_path, FAMILIES["pinterest"])
    assert [r.workflow for r in project.runs] == ["pinterest_ingest"]
    assert not (directory / "config/pinterest_datasources.yml").exists()
    dig = _yaml(directory / "pinterest_ingest.dig")
    group = dig["+load_pinterest_campaigns"]
    assert group["_export"]["table_name"] == "pinterest_campaigns"
    assert group["+load"]["file_path"] == "${secret:pinterest_campaigns_file_path}"
    parser = _yaml(directory / "config/pinterest_campaigns_load.yml")["in"]["parser"]
    assert {"name": "budget", "type": "double"} in parser["columns"]


def test_secrets_never_appear_as_values(tmp_path: Path) -> None:
    _, directory = _generate(tmp_path, FAMILIES["sftp"])
    load = _yaml(directory / "config/partner_stores_load.yml")["in"]
    assert load["password"] == "${secret:partner_sftp_password}"
    assert load["host"] == "${secret:partner_sftp_host}"


def test_regeneration_removes_stale_files_and_keeps_credentials(tmp_path: Path) -> None:
    _, directory = _generate(tmp_path, FAMILIES["file"])
    (directory / "credentials_ingestion.json").write_text("{}")
    (directory / "config/old_thing_load.yml").write_text("in: {}")
    _generate(tmp_path, FAMILIES["file"])
    assert (directory / "credentials_ingestion.json").exists()
    assert not (directory / "config/old_thing_load.yml").exists()


def test_plan_matches_generate(tmp_path: Path) -> None:
    project, _ = _generate(tmp_path, FAMILIES["klaviyo"])
    plan = IngestionPhase().plan(
        write_pipeline(tmp_path, ingestion={"sources": [{**_START, **FAMILIES["klaviyo"]}]})
    )
    assert (plan.files, plan.tables, plan.runs) == (project.files, project.tables, project.runs)


@pytest.mark.parametrize("delimiter", [",", "\t", "|"])
def test_sftp_delimiter_is_written_as_a_literal(tmp_path: Path, delimiter: str) -> None:
    # The load file is templated as text before it is parsed: a `${fld_delimiter}` param would
    # render as `delimiter: ,`, which is not YAML.
    source = {
        **FAMILIES["sftp"],
        "options": {**FAMILIES["sftp"]["options"], "delimiter": delimiter},
    }
    _, directory = _generate(tmp_path, source)
    text = (directory / "config/partner_stores_load.yml").read_text()
    assert "fld_delimiter" not in text
    assert (
        _yaml(directory / "config/partner_stores_load.yml")["in"]["parser"]["delimiter"]
        == delimiter
    )
