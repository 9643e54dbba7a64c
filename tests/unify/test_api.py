"""serve_workflow_call: TD's workflow_call request body in, a summary of what was written out."""

from __future__ import annotations

import copy
import json
from typing import Any

import duckdb
import pytest

from cdpo.errors import ConfigError
from cdpo.unify import serve_workflow_call

from .conftest import write_table
from .test_golden import CONFIG

BODY: dict[str, Any] = {
    "run_canonical_ids": True,
    "run_enrichments": True,
    "run_master_tables": True,
    "full_refresh": True,
    "keep_debug_tables": False,
    "unification": CONFIG,
}


@pytest.fixture
def source(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    write_table(
        con,
        "src.web",
        "time BIGINT, email VARCHAR, phone VARCHAR",
        [(1, "a@x.com", "5550100"), (2, "noreply@x.com", "5550100")],
    )
    write_table(
        con,
        "src.crm",
        "time BIGINT, cid VARCHAR, email VARCHAR, name VARCHAR",
        [(3, "c1", "a@x.com", "Al")],
    )
    return con


def test_a_td_body_runs_the_unification_and_returns_a_summary(
    source: duckdb.DuckDBPyConnection,
) -> None:
    summary = serve_workflow_call(BODY, source)
    json.dumps(summary)  # JSON-ready, as an HTTP response body
    assert summary["schema"] == "cdp_unification_golden"
    assert {"person_id_lookup", "enriched_web", "enriched_crm", "customers"} <= set(
        summary["tables"]
    )
    (person,) = summary["ids"]
    assert (person["name"], person["engine"], person["mode"], person["profiles"]) == (
        "person_id",
        "fast",
        "full",
        1,
    )
    assert [(e["key"], e["value"], e["reason"]) for e in person["excluded"]] == [
        ("email", "noreply@x.com", "blocked")
    ]


def test_flags_select_what_runs(source: duckdb.DuckDBPyConnection) -> None:
    body = {
        **BODY,
        "run_enrichments": "false",
        "run_master_tables": False,
        "engine": "sql",
        "guards": {"blocked": False},
    }
    summary = serve_workflow_call(body, source)
    assert not {"enriched_web", "customers"} & set(summary["tables"])
    assert summary["ids"][0]["engine"] == "sql" and summary["ids"][0]["excluded"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"run_canonical_id": True},
            "unknown field 'run_canonical_id'. Did you mean 'run_canonical_ids'?",
        ),
        ({"full_refresh": "yes"}, "workflow_call.full_refresh: must be true or false"),
        ({"run_canonical_ids": False}, "set run_canonical_ids or run_persistent_ids"),
        ({"unification": None}, "the unify.yml mapping is missing"),
        ({"guards": {"hub_limt": 3}}, "unknown guard settings ['hub_limt']"),
        ({"engine": "spark"}, "unknown engine 'spark'"),
        ({"run_canonical_ids": False, "run_persistent_ids": True}, "defines no persistent ids"),
    ],
)
def test_bad_bodies_are_config_errors(
    source: duckdb.DuckDBPyConnection, change: dict[str, Any], message: str
) -> None:
    body = {**copy.deepcopy(BODY), **change}
    with pytest.raises(ConfigError) as info:
        serve_workflow_call(body, source)
    assert message in str(info.value)


def test_an_invalid_unify_yml_names_its_field(source: duckdb.DuckDBPyConnection) -> None:
    body = copy.deepcopy(BODY)
    body["unification"]["canonical_ids"][0]["merge_by_keys"] = ["cid", "mail"]
    with pytest.raises(
        ConfigError, match=r"canonical_ids\[person_id\]\.merge_by_keys: unknown key 'mail'"
    ):
        serve_workflow_call(body, source)
