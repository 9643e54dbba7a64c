"""GENERATE: key discovery on live staged tables, unify.yml, the TD-native project files, and bad
inputs refused before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cdpo.errors import ConfigError, GenerateError
from cdpo.phases.unification import UnificationPhase
from cdpo.targets.local import LocalTarget
from cdpo.unify import load_unify_config

from ..ingestion.helpers import parse_sql, write_pipeline
from .conftest import CONFIG, OUT, STG, context, generate, make_table


def _yaml(project, name: str):
    return yaml.safe_load((project.directory / name).read_text())


def test_discovers_keys_and_writes_a_unify_yml_tds_validator_accepts(
    tmp_path: Path, retail: LocalTarget, run_cdpo
) -> None:
    project = generate(tmp_path, retail)
    checked = run_cdpo("digdag", "check", project.directory)
    assert checked.exit_code == 0 and "No problems found." in checked.stdout, checked.stderr
    config = load_unify_config(project.directory / "config/unify.yml")
    assert config.name == "northwind" and config.schema_name == OUT
    assert [k.name for k in config.keys] == ["email", "phone", "customer_id", "td_client_id"]
    assert config.key("email").valid_regexp == r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
    assert config.key("customer_id").invalid_texts == [""]
    (definition,) = config.canonical_ids
    assert (definition.name, definition.merge_iterations) == ("customer_360", 15)
    assert definition.merge_by_keys == ["email", "phone", "customer_id", "td_client_id"]
    customers, orders, events = config.tables
    assert (customers.database, customers.table, customers.alias) == (
        CONFIG, "customers_prep", "customers",
    )  # fmt: skip
    assert customers.incremental_columns == ["time"]
    # email_std replaces email (staging's standardised values); time is never a key
    assert [(k.column, k.key) for k in customers.key_columns] == [
        ("customer_id", "customer_id"), ("email_std", "email"), ("phone_std", "phone"),
    ]  # fmt: skip
    assert [(k.column, k.key) for k in orders.key_columns] == [("customer_id", "customer_id")]
    assert [(k.column, k.key) for k in events.key_columns] == [
        ("td_client_id", "td_client_id"), ("user_email", "email"),
    ]  # fmt: skip
    discovery = json.loads((project.directory / "config/key_discovery.json").read_text())
    reasons = {c["column"]: c["reason"] for c in discovery["tables"][0]["columns"]}
    assert reasons["email"] == "email_std holds its standardised values"
    assert project.runs[0].workflow == "unif_runner"
    assert f"{OUT}.customer_360_lookup" in project.tables
    assert f"{OUT}.enriched_web_events" in project.tables


def test_id_unification_calls_the_regional_cdp_endpoint_with_tds_body(
    tmp_path: Path, retail: LocalTarget
) -> None:
    pipeline = write_pipeline(
        tmp_path / "pipeline",
        td={"region": "eu01"},
        unification={"name": "customer_360", "tables": ["customers", "orders", "web_events"]},
    )
    from cdpo.phases.base import PhaseContext

    project = UnificationPhase().generate(PhaseContext(pipeline, retail, tmp_path / "pipeline"))
    text = (project.directory / "id_unification.dig").read_text()
    assert "!include : 'config/unify.yml'" in text and "!include : 'config/environment.yml'" in text
    dig = yaml.safe_load(text.replace("!include :", "include:"))
    call = dig["+call_unification"]
    assert call["http_call>"] == "https://api-cdp.eu01.treasuredata.com/unifications/workflow_call"
    assert call["headers"] == [
        {"authorization": "${secret:td.apikey}"}, {"content-type": "application/json"},
    ]  # fmt: skip
    assert (call["method"], call["retry"], call["content_format"]) == ("POST", True, "json")
    content = call["content"]
    # persistent ids and incremental updates are the defaults; the default master table needs
    # TD's enrichment
    assert content["run_persistent_ids"] is True and "run_canonical_ids" not in content
    assert content["full_refresh"] is False
    assert content["run_enrichments"] is True and content["run_master_tables"] is True
    assert "persistent_ids" in _yaml(project, "config/unify.yml")
    runner = _yaml(project, "unif_runner.dig")
    assert [v["require>"] for k, v in runner.items() if k.startswith("+")] == [
        "prep_tables", "id_unification", "enrich_runner",
    ]  # fmt: skip


def test_sql_files_parse_as_presto_and_prep_nulls_junk(tmp_path: Path, retail: LocalTarget) -> None:
    project = generate(tmp_path, retail, blocked_values={"customer_id": ["^C0+$"]})
    for name in project.files:
        if name.endswith(".sql"):
            assert parse_sql((project.directory / name).read_text()), name
    prep = (project.directory / "queries/prep/customers.sql").read_text()
    assert "regexp_like(CAST(\"customer_id\" AS VARCHAR), '(?i)^C0+$')" in prep
    assert "noreply" in prep  # the email defaults still apply to email keys
    enrich = (project.directory / "queries/enrich/web_events.sql").read_text()
    # any key finds the id, highest merge priority first (email before td_client_id)
    assert "COALESCE(k1.unified, k2.unified)" in enrich
    assert 'k1.id = CAST(s."user_email" AS VARCHAR) AND k1.id_key_type = 1' in enrich
    assert 'k2.id = CAST(s."td_client_id" AS VARCHAR) AND k2.id_key_type = 4' in enrich
    assert "WHERE id_key_type IN (1, 4)" in enrich  # only the key types it joins on are grouped
    params = _yaml(project, "config/src_prep_params.yml")["prep_tbls"][1]
    assert params == {
        "src_db": STG, "src_tbl": "orders", "snk_db": CONFIG, "snk_tbl": "orders_prep",
        "columns": [{"name": "customer_id", "alias_as": "customer_id"}],
    }  # fmt: skip


def test_overrides_keys_order_and_tables_without_keys(tmp_path: Path, retail: LocalTarget) -> None:
    project = generate(
        tmp_path,
        retail,
        tables=["customers", "orders", "web_events", "products"],
        key_columns={"orders": {"order_id": "order_ref"}, "web_events": {"user_email": None}},
        keys=[{"name": "customer_id"}, {"name": "email", "invalid_texts": ["", "n/a"]},
              {"name": "phone"}, {"name": "td_client_id"}, {"name": "order_ref"}],
    )  # fmt: skip
    config = load_unify_config(project.directory / "config/unify.yml")
    assert config.canonical_ids[0].merge_by_keys == [
        "customer_id", "email", "phone", "td_client_id", "order_ref",
    ]  # fmt: skip
    assert config.key("email").invalid_texts == ["", "n/a"]
    _, orders, events = config.tables
    assert [(k.column, k.key) for k in orders.key_columns] == [
        ("order_id", "order_ref"), ("customer_id", "customer_id"),
    ]  # fmt: skip
    assert [(k.column, k.key) for k in events.key_columns] == [("td_client_id", "td_client_id")]
    discovery = json.loads((project.directory / "config/key_discovery.json").read_text())
    assert discovery["skipped_tables"] == [f"{STG}.products"]


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"key_columns": {"orders": {"cust_id": "customer_id"}}}, ConfigError,
         "table orders has no column 'cust_id'"),
        ({"key_columns": {"order": {"customer_id": "customer_id"}}}, ConfigError,
         "key_columns for 'order', which is not unified"),
        ({"key_columns": {"orders": {"order_id": "Order Ref"}}}, ConfigError,
         "is not a SQL identifier"),
        ({"keys": [{"name": "email"}, {"name": "phone"}, {"name": "td_client_id"}]}, ConfigError,
         "key 'customer_id' is used by a key column but not listed"),
        ({"keys": [{"name": "email"}, {"name": "phone"}, {"name": "td_client_id"},
                   {"name": "customer_id"}, {"name": "loyalty_id"}]}, ConfigError,
         "key 'loyalty_id' is listed in unification.keys but no column carries it"),
        ({"keys": [{"name": "email", "valid_regexp": "(a)\\1"}, {"name": "phone"},
                   {"name": "td_client_id"}, {"name": "customer_id"}]}, ConfigError,
         "the generated unify.yml is invalid"),
        ({"tables": ["customers", "missing_table"]}, GenerateError,
         "the staged table northwind_stg.missing_table does not exist"),
        ({"tables": ["orders"], "key_columns": {"orders": {"customer_id": None}}}, ConfigError,
         "no staged table has an identifier column"),
        ({"target_database": "cdp_unification_"}, ConfigError, "target_database"),
        ({"name": "email"}, ConfigError, "customers already has a column 'email'"),
    ],
)  # fmt: skip
def test_bad_inputs_fail_before_any_file_is_written(
    tmp_path: Path, retail: LocalTarget, overrides, error, message
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        generate(tmp_path, retail, **overrides)
    assert not (tmp_path / "pipeline" / "unification").exists()


def test_a_staged_table_without_time_is_refused(tmp_path: Path, target: LocalTarget) -> None:
    make_table(target, "members", "member_id VARCHAR", [("M1",)])
    with pytest.raises(GenerateError, match="members has no 'time' column"):
        generate(tmp_path, target, tables=["members"])


def test_plan_and_inputs_need_no_target(tmp_path: Path, target: LocalTarget) -> None:
    phase = UnificationPhase()
    pipeline = context(tmp_path, target).pipeline
    plan = phase.plan(pipeline)
    assert plan.runs[0].workflow == "unif_runner" and "id_unification.dig" in plan.files
    assert f"{OUT}.customer_360_lookup" in plan.tables
    assert phase.inputs(pipeline) == (f"{STG}.customers", f"{STG}.orders", f"{STG}.web_events")
    assert phase.enabled(pipeline)
