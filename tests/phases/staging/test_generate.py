"""Staging generation: classification from schema and sample, project files parsed back, waves,
joins, the column limit, and bad inputs with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cdpo.errors import ConfigError, GenerateError
from cdpo.phases.staging import StagingPhase, staging_table_name
from cdpo.targets.local import LocalTarget
from cdpo.targets.local.digdag import load_workflow

from ..ingestion.helpers import parse_sql, write_pipeline
from ..tables import rows, run
from .conftest import SRC, STG, generate, make_table

T0 = 1704067200
CUSTOMERS = (
    "customer_id VARCHAR, email_address VARCHAR, mobile_phone VARCHAR, first_name VARCHAR, "
    "created_at VARCHAR, updated_at BIGINT, total_spent VARCHAR, accepts_marketing VARCHAR, "
    "attributes VARCHAR, loyalty_points BIGINT, signed_up BOOLEAN, time BIGINT"
)
CUSTOMER_ROWS = [
    ("c-1", "A@x.com", "(212) 555-0134", "ann", "2024-01-02 10:00:00", T0, "$10.50", "yes",
     '{"tier": "gold", "prefs": {"sms": true}, "tags": ["vip"]}', 3, True, T0),
    ("c-2", "b@y.org", "+44 7700 900123", "bob", "03/04/2024", T0 + 60, "7", "no",
     '{"tier": "silver", "prefs": {"sms": false}, "tags": []}', 0, False, T0 + 1),
]  # fmt: skip


def _load_dig(path: Path) -> dict:
    return yaml.safe_load(
        "\n".join(line for line in path.read_text().splitlines() if "!include" not in line)
    )


def test_classification_from_live_schema_and_sample(tmp_path: Path, target: LocalTarget) -> None:
    make_table(target, "shop_customers_histunion", CUSTOMERS, CUSTOMER_ROWS)
    project = generate(tmp_path, target, tables=["shop_customers_histunion"])
    record = json.loads((project.directory / "classification/shop_customers.json").read_text())
    classes = {c["name"]: c["class"] for c in record["columns"]}
    assert classes == {
        "customer_id": "id", "email_address": "email", "mobile_phone": "phone", "first_name": "text",
        "created_at": "date", "updated_at": "date", "total_spent": "amount",
        "accepts_marketing": "boolean", "attributes": "json", "loyalty_points": "numeric",
        "signed_up": "boolean", "time": "time",
    }  # fmt: skip
    reasons = {c["name"]: c["reason"] for c in record["columns"]}
    assert "sample" in reasons["created_at"] and "epoch" in reasons["updated_at"]
    json_keys = next(c["json_keys"] for c in record["columns"] if c["name"] == "attributes")
    assert json_keys == ["prefs.sms", "tags", "tier"]
    types = {o["name"]: o["type"] for o in record["outputs"]}
    assert types["attributes_tags"] == "array(varchar)" and types["updated_at_unixtime"] == "bigint"
    assert not [t for t in types.values() if t.startswith(("timestamp", "bool"))]
    run(target, project)
    got = rows(target, f"SELECT * FROM {STG}.shop_customers ORDER BY customer_id")
    assert got[0]["customer_id"] == "c-1" and got[0]["first_name"] == "ANN"
    assert (
        got[0]["email_address_std"] == "a@x.com" and got[1]["mobile_phone_std"] == "+447700900123"
    )
    assert (
        got[0]["updated_at_std"] == "2024-01-01 00:00:00"
        and got[1]["created_at_date"] == "2024-03-04"
    )
    assert (
        got[0]["total_spent"] == 10.5
        and got[0]["signed_up"] == "TRUE"
        and got[1]["accepts_marketing"] == "FALSE"
    )
    assert got[0]["attributes_prefs_sms"] == "true" and got[0]["attributes_tier"] == "gold"


def test_overrides_win_and_project_files_parse(tmp_path: Path, target: LocalTarget) -> None:
    make_table(target, "shop_customers_histunion", CUSTOMERS, CUSTOMER_ROWS)
    rules = {"shop_customers": {"columns": {"first_name": "id", "total_spent": "keep"},
                                "dedup": {"keys": ["customer_id"], "order_by": ["updated_at", "time"]}}}  # fmt: skip
    project = generate(tmp_path, target, tables=[f"{SRC}.shop_customers_histunion"], rules=rules)
    assert project.tables == (f"{STG}.shop_customers",)
    root = project.directory
    record = json.loads((root / "classification/shop_customers.json").read_text())
    assert {c["name"]: c["reason"] for c in record["columns"]}[
        "first_name"
    ] == "pipeline.yml override"
    base = "northwind_src_shop_customers_histunion"
    assert set(project.files) >= {
        "staging_transformation.dig", "config/src_params.yml", f"queries/{base}.sql",
        f"queries/{base}_upsert.sql", f"init_queries/{base}_init.sql",
    }  # fmt: skip
    for name in project.files:
        if name.endswith(".sql"):
            text = (root / name).read_text()
            assert parse_sql(text), name
            assert "`" not in text
    incremental = (root / f"queries/{base}.sql").read_text()
    assert "time > ${td.last_results.lo}" in incremental
    assert "${td.last_results.lo}" not in (root / f"init_queries/{base}_init.sql").read_text()
    assert incremental.index("cleaned_data AS") < incremental.index("final_data AS")
    assert 'PARTITION BY "customer_id" ORDER BY "updated_at" DESC NULLS LAST' in incremental
    params = yaml.safe_load((root / "config/src_params.yml").read_text())
    table = params["dependency_groups"][0]["tables"][0]
    assert table["staging_table"] == "shop_customers" and table["has_dedup"] is True
    assert table["partition_columns"] == "customer_id" and table["mode"] == "inc"
    workflow = load_workflow(root / "staging_transformation.dig")
    assert workflow.timezone == "UTC"
    dig = _load_dig(root / "staging_transformation.dig")
    assert dig["_export"]["td"]["database"] == SRC and "inc_log" in dig["+create_inc_log"]["query"]


def test_waves_follow_depends_on_and_joins_add_dim_columns(
    tmp_path: Path, target: LocalTarget
) -> None:
    make_table(target, "regions_histunion", "code VARCHAR, label VARCHAR, time BIGINT",
               [(" eu ", "Europe", T0), ("us", "United States", T0)])  # fmt: skip
    make_table(target, "orders_histunion", "order_id VARCHAR, region VARCHAR, time BIGINT",
               [("o1", "EU", T0), ("o2", "jp", T0)])  # fmt: skip
    rules = {
        "regions": {"columns": {"code": "text"}},
        "orders": {"depends_on": ["regions"], "columns": {"region": "text"},
                   "joins": [{"table": f"{STG}.regions", "on": {"region": "code"}, "columns": ["label"]}]},
    }  # fmt: skip
    project = generate(
        tmp_path, target, tables=["orders_histunion", "regions_histunion"], rules=rules
    )
    params = yaml.safe_load((project.directory / "config/src_params.yml").read_text())
    waves = [[t["staging_table"] for t in g["tables"]] for g in params["dependency_groups"]]
    assert waves == [["regions"], ["orders"]]
    assert params["dependency_groups"][1]["depends_on"] == ["wave_1"]
    run(target, project)  # the dimension is staged by the first wave, then joined
    got = rows(target, f"SELECT order_id, label_dim FROM {STG}.orders ORDER BY order_id")
    assert got == [{"order_id": "o1", "label_dim": "EUROPE"}, {"order_id": "o2", "label_dim": None}]


def test_join_reads_the_cleaned_dimension(tmp_path: Path, target: LocalTarget) -> None:
    make_table(target, "regions_histunion", "code VARCHAR, label VARCHAR, time BIGINT",
               [("eu", "Europe", T0), ("us", "United States", T0)])  # fmt: skip
    make_table(target, "orders_histunion", "order_id VARCHAR, region VARCHAR, time BIGINT",
               [("o1", " EU ", T0), ("o2", "jp", T0)])  # fmt: skip
    first = generate(
        tmp_path / "a",
        target,
        tables=["regions_histunion"],
        rules={"regions": {"columns": {"code": "text"}}},
    )
    run(target, first)
    rules = {"orders": {"columns": {"region": "text"},
                        "joins": [{"table": f"{STG}.regions", "on": {"region": "code"}, "columns": ["label"]}]}}  # fmt: skip
    project = generate(tmp_path / "b", target, tables=["orders_histunion"], rules=rules)
    sql = (project.directory / "queries/northwind_src_orders_histunion.sql").read_text()
    assert sql.index("cleaned_data AS") < sql.index("joined_data AS")
    run(target, project)
    got = rows(target, f"SELECT order_id, region, label_dim FROM {STG}.orders ORDER BY order_id")
    assert got == [
        {"order_id": "o1", "region": "EU", "label_dim": "EUROPE"},
        {"order_id": "o2", "region": "JP", "label_dim": None},
    ]


def test_the_column_limit_is_reported_or_fails(tmp_path: Path, target: LocalTarget) -> None:
    make_table(
        target,
        "wide_histunion",
        "a VARCHAR, b VARCHAR, c VARCHAR, time BIGINT",
        [("1", "2", "3", T0)],
    )
    project = generate(tmp_path, target, tables=["wide_histunion"], max_columns=2)
    record = json.loads((project.directory / "classification/wide.json").read_text())
    assert [c["name"] for c in record["columns"]] == ["a", "time"]
    assert record["dropped_columns"] == ["b", "c"]
    run(target, project)
    pipeline = write_pipeline(
        tmp_path / "pipeline", staging={"tables": ["wide_histunion"], "max_columns": 2}
    )
    from cdpo.phases.base import CheckStatus, PhaseContext

    checks = StagingPhase().validate(PhaseContext(pipeline, target, tmp_path / "pipeline"), project)
    limit = next(c for c in checks if c.name == "staging_column_limit")
    assert limit.status is CheckStatus.WARN and "b, c" in limit.detail
    with pytest.raises(GenerateError, match="4 columns, more than max_columns"):
        generate(
            tmp_path / "x",
            target,
            tables=["wide_histunion"],
            max_columns=2,
            on_too_many_columns="fail",
        )


def test_names_and_plan_without_a_target(tmp_path: Path) -> None:
    assert staging_table_name("klaviyo_events_histunion") == "klaviyo_events"
    assert staging_table_name("crm_members_staging") == "crm_members"
    assert staging_table_name("orders") == "orders"
    pipeline = write_pipeline(
        tmp_path, staging={"tables": ["shop_orders_histunion", "other_db.crm_histunion"]}
    )
    plan = StagingPhase().plan(pipeline)
    assert plan.tables == (f"{STG}.shop_orders", f"{STG}.crm")
    assert StagingPhase().inputs(pipeline) == (
        f"{SRC}.shop_orders_histunion",
        "other_db.crm_histunion",
    )
    assert plan.runs[0].workflow == "staging_transformation"


def test_tables_default_to_the_hist_union_outputs(tmp_path: Path) -> None:
    pipeline = write_pipeline(tmp_path, hist_union={"tables": ["shop_orders"]}, staging={})
    assert StagingPhase().plan(pipeline).tables == (f"{STG}.shop_orders",)


def test_tables_default_to_every_table_the_earlier_phases_produce(tmp_path: Path) -> None:
    """Hist-union outputs, then the ingested tables hist-union does not consume."""
    columns = {"customers": [{"name": "customer_no", "type": "string"}]}
    sources = [
        {"name": "shop", "connector": "file", "start_date": "2024-01-01",
         "incremental_start": "2024-03-01", "incremental_field": "updated_at",
         "objects": [{"name": "orders", "path": "o_inc.jsonl", "history_path": "o_hist.jsonl"}]},
        {"name": "crm", "connector": "sftp", "start_date": "2024-01-01",
         "objects": [{"name": "customers", "path": "crm/c_inc.csv"}], "options": {"columns": columns}},
    ]  # fmt: skip
    pipeline = write_pipeline(tmp_path, ingestion={"sources": sources}, hist_union={}, staging={})
    assert StagingPhase().plan(pipeline).tables == (f"{STG}.shop_orders", f"{STG}.crm_customers")
    assert StagingPhase().inputs(pipeline) == (
        f"{SRC}.shop_orders_histunion",
        f"{SRC}.crm_customers",
    )
    without_union = write_pipeline(tmp_path, ingestion={"sources": sources}, staging={})
    assert StagingPhase().inputs(without_union) == (
        f"{SRC}.shop_orders_hist",
        f"{SRC}.shop_orders",
        f"{SRC}.crm_customers",
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"default_country": "XX"}, "'XX' is not a supported phone country; valid: AU, BR"),
        ({"rules": {"orders": {"default_country": "uk"}}}, "'uk' is not a supported phone country"),
        ({"rules": {"ghost": {}}}, "rules for ghost, which is not staged; staged: orders"),
        (
            {"rules": {"orders": {"depends_on": ["nope"]}}},
            "depends on 'nope', which is not a staging table",
        ),
        ({"rules": {"orders": {"columns": {"a": "emial"}}}}, "staging.rules.orders.columns.a"),
        ({"rules": {"orders": {"dedup": {"keys": []}}}}, "staging.rules.orders.dedup.keys"),
        ({"tables": []}, "no input table"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, section: dict, message: str) -> None:
    document = {"tables": ["orders_histunion"], **section}
    with pytest.raises(ConfigError) as raised:
        StagingPhase().plan(write_pipeline(tmp_path, staging=document))
    assert message in raised.value.message


def test_bad_inputs_fail_before_anything_is_written(tmp_path: Path, target: LocalTarget) -> None:
    with pytest.raises(GenerateError, match=f"input table {SRC}.orders_histunion does not exist"):
        generate(tmp_path, target, tables=["orders_histunion"])
    assert not (tmp_path / "pipeline" / "staging").exists()
    make_table(
        target,
        "orders_histunion",
        "order_id VARCHAR, email VARCHAR, email_std VARCHAR, time BIGINT",
    )
    with pytest.raises(GenerateError, match="email_std produced twice"):
        generate(tmp_path, target, tables=["orders_histunion"])
    with pytest.raises(GenerateError, match=r"dedup/join column.*order_key.*valid: email"):
        generate(tmp_path, target, tables=["orders_histunion"],
                 rules={"orders": {"dedup": {"keys": ["order_key"]}, "columns": {"email": "id"}}})  # fmt: skip
    make_table(target, "helpers_histunion", "email VARCHAR, email__std VARCHAR, time BIGINT")
    with pytest.raises(GenerateError, match="email__std have the name of a helper column"):
        generate(tmp_path, target, tables=["helpers_histunion"])
    make_table(target, "notime_histunion", "a VARCHAR")
    with pytest.raises(GenerateError, match="no 'time' column"):
        generate(tmp_path, target, tables=["notime_histunion"])
