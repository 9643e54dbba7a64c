"""Master tables and do_not_merge_key from pipeline.yml: unify.yml, the default golden record, bad
inputs, and a run on the local target (real DuckDB) that builds the rows written below."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cdpo.errors import ConfigError
from cdpo.phases.base import CheckStatus, GeneratedProject, PhaseContext
from cdpo.phases.unification import UnificationPhase
from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import write_pipeline
from ..tables import rows, run
from .conftest import OUT, STG, T0, generate, make_table, unify_once

PEOPLE = (
    "customer_id VARCHAR, email_std VARCHAR, first_name VARCHAR, last_name VARCHAR, time BIGINT"
)
SIGNUPS = "signup_id VARCHAR, email VARCHAR, first_name VARCHAR, signed_at BIGINT, time BIGINT"
GOLDEN = {
    "name": "golden",
    "attributes": [
        {"name": "first_name",
         "source_columns": [{"table": "signups", "priority": 2}, {"table": "customers"}]},
        {"name": "first_seen_name",
         "source_columns": [{"table": "customers", "column": "first_name", "order": "first"}]},
        {"name": "emails", "array_elements": 2,
         "source_columns": [{"table": "customers", "column": "email_std"},
                            {"table": "signups", "column": "email", "order_by": "signed_at"}]},
    ],
}  # fmt: skip
"""first_name: signups (priority 2) before customers (no priority: the next free number, 3)."""


def _family(target: LocalTarget) -> None:
    """C1 (Ann, renamed Anne) and C2 (Bob) share the family address fam@x.com; C3 (Cat) also
    signed up as Catherine; Dan only signed up, and dan2@z.net twice without a name."""
    make_table(target, "customers", PEOPLE, [
        ("C1", "fam@x.com", "Ann", "Lee", T0),
        ("C2", "fam@x.com", "Bob", "Lee", T0 + 1),
        ("C3", "cat@y.org", "Cat", None, T0 + 2),
        ("C1", "ann@x.com", "Anne", "Lee", T0 + 5),
    ])  # fmt: skip
    make_table(target, "signups", SIGNUPS, [
        ("S1", "cat@y.org", "Catherine", T0 + 20, T0 + 10),
        ("S2", "dan@z.net", "Dan", T0 + 21, T0 + 11),
        ("S3", "dan2@z.net", None, T0 + 22, T0 + 12),
        ("S4", "dan2@z.net", None, T0 + 23, T0 + 13),
    ])  # fmt: skip


@pytest.fixture
def family(target: LocalTarget) -> LocalTarget:
    _family(target)
    return target


def _family_section(**overrides: Any) -> dict[str, Any]:
    return {"tables": ["customers", "signups"], "do_not_merge_key": "customer_id",
            "master_tables": [GOLDEN], **overrides}  # fmt: skip


def test_pipeline_yml_fields_reach_unify_yml_prep_and_the_call(
    tmp_path: Path, family: LocalTarget
) -> None:
    project = generate(tmp_path, family, **_family_section())
    unify = yaml.safe_load((project.directory / "config/unify.yml").read_text())
    (definition,) = unify["canonical_ids"]
    # TD requires do_not_merge_key first in merge_by_keys (it would be email first otherwise)
    assert definition["merge_by_keys"] == ["customer_id", "email"]
    assert definition["do_not_merge_key"] == "customer_id"
    assert unify["master_tables"] == [{
        "name": "golden",
        "canonical_id": "customer_360",
        "attributes": [
            {"name": "first_name", "source_columns": [
                {"table": "signups", "column": "first_name", "priority": 2, "order": "last",
                 "order_by": "time"},
                {"table": "customers", "column": "first_name", "priority": 3, "order": "last",
                 "order_by": "time"}]},
            {"name": "first_seen_name", "source_columns": [
                {"table": "customers", "column": "first_name", "priority": 1, "order": "first",
                 "order_by": "time"}]},
            {"name": "emails", "array_elements": 2, "source_columns": [
                {"table": "customers", "column": "email_std", "priority": 1, "order": "last",
                 "order_by": "time"},
                {"table": "signups", "column": "email", "priority": 2, "order": "last",
                 "order_by": "signed_at"}]},
        ],
    }]  # fmt: skip
    # the prep tables carry what the master table reads: TD builds it from them
    prep = (project.directory / "queries/prep/signups.sql").read_text()
    assert prep.endswith(
        f'AS "email",\n  "first_name",\n  "signed_at",\n  "time"\nFROM "{STG}"."signups"\n'
        'WHERE CAST("email" AS VARCHAR) IS NOT NULL\n'
    )
    call = yaml.safe_load(
        (project.directory / "id_unification.dig").read_text().replace("!include :", "include:")
    )["+call_unification"]["content"]
    assert (call["run_enrichments"], call["run_master_tables"]) == (True, True)
    assert f"{OUT}.golden" in project.tables


def test_master_tables_empty_writes_none(tmp_path: Path, family: LocalTarget) -> None:
    project = generate(tmp_path, family, tables=["customers", "signups"], master_tables=[])
    unify = yaml.safe_load((project.directory / "config/unify.yml").read_text())
    assert "master_tables" not in unify and "do_not_merge_key" not in unify["canonical_ids"][0]
    call = yaml.safe_load(
        (project.directory / "id_unification.dig").read_text().replace("!include :", "include:")
    )["+call_unification"]["content"]
    assert (call["run_enrichments"], call["run_master_tables"]) == (False, False)
    prep = (project.directory / "queries/prep/customers.sql").read_text()
    assert '"first_name"' not in prep


def test_default_master_table_has_keys_and_profile_attributes(
    tmp_path: Path, target: LocalTarget
) -> None:
    """Customer tables first; ``{col}_std`` preferred; non-text columns are not profile values."""
    make_table(target, "web_events", "td_client_id VARCHAR, email VARCHAR, first_name VARCHAR, "
               "country INTEGER, time BIGINT", [])  # fmt: skip
    make_table(
        target,
        "shop_customers",
        "id VARCHAR, email_std VARCHAR, first_name VARCHAR, "
        "surname VARCHAR, birth_date VARCHAR, birth_date_std VARCHAR, time BIGINT",
        [],
    )
    project = generate(tmp_path, target, tables=["web_events", "shop_customers"])
    (master,) = yaml.safe_load((project.directory / "config/unify.yml").read_text())[
        "master_tables"
    ]
    assert master["name"] == "customer_360_master" and master["canonical_id"] == "customer_360"
    got = {
        a["name"]: (a.get("array_elements"),
                    [(s["table"], s["column"], s["priority"]) for s in a["source_columns"]])
        for a in master["attributes"]
    }  # fmt: skip
    assert got == {
        "email": (None, [("shop_customers", "email_std", 1), ("web_events", "email", 2)]),
        "customer_id": (None, [("shop_customers", "id", 1)]),
        "td_client_id": (5, [("web_events", "td_client_id", 1)]),
        "first_name": (
            None,
            [("shop_customers", "first_name", 1), ("web_events", "first_name", 2)],
        ),
        "last_name": (None, [("shop_customers", "surname", 1)]),
        "birth_date": (None, [("shop_customers", "birth_date_std", 1)]),
    }
    assert all(
        (s["order"], s["order_by"]) == ("last", "time")
        for a in master["attributes"]
        for s in a["source_columns"]
    )


def _source(**given: Any) -> dict[str, Any]:
    return {"name": "golden", "attributes": [{"name": "first_name", "source_columns": [given]}]}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"do_not_merge_key": "customer_no"}, "unification.do_not_merge_key",
         "do_not_merge_key 'customer_no' is not a key of the staged tables; keys: customer_id, "
         "email. Did you mean 'customer_id'?"),
        ({"master_tables": [_source(table="signup")]},
         "unification.master_tables.0.attributes.0.source_columns.0.table",
         "table 'signup' is not unified; unified tables: customers, signups. Did you mean "
         "'signups'?"),
        ({"tables": ["customers", "signups", "products"],
          "master_tables": [_source(table="products")]},
         "unification.master_tables.0.attributes.0.source_columns.0.table",
         "table 'products' carries no key, so it gets no id; unified tables: customers, signups."),
        ({"master_tables": [_source(table="customers", column="firstname")]},
         "unification.master_tables.0.attributes.0.source_columns.0.column",
         "table customers has no column 'firstname'; its columns: customer_id, email_std, "
         "first_name, last_name, time. Did you mean 'first_name'?"),
        ({"master_tables": [_source(table="signups", order_by="signed")]},
         "unification.master_tables.0.attributes.0.source_columns.0.order_by",
         "table signups has no column 'signed'"),
        ({"master_tables": [{"name": "golden", "attributes": [
            {"name": "customer_360", "source_columns": [{"table": "customers"}]}]}]},
         "unification.master_tables.0.attributes.0.name",
         "attribute 'customer_360' is the id column of the master table"),
    ],
)  # fmt: skip
def test_bad_sources_and_keys_name_the_field(
    tmp_path: Path, family: LocalTarget, overrides, field, message
) -> None:
    make_table(family, "products", "sku VARCHAR, time BIGINT", [])
    with pytest.raises(ConfigError) as caught:
        generate(tmp_path, family, **_family_section(**overrides))
    assert caught.value.field == field and message in caught.value.problem
    assert not (tmp_path / "pipeline" / "unification").exists()


def _unified(tmp_path: Path, target: LocalTarget, **overrides: Any) -> dict[str, Any]:
    """Generate and run the project; return the checks VALIDATE gives, by name."""
    project = generate(tmp_path, target, **_family_section(**overrides))
    run(target, project)
    return _validate(tmp_path, target, project)


def _validate(tmp_path: Path, target: LocalTarget, project: GeneratedProject) -> dict[str, Any]:
    pipeline = write_pipeline(tmp_path / "check", unification={"name": "customer_360"})
    results = UnificationPhase().validate(PhaseContext(pipeline, target, tmp_path), project)
    return {r.name: r for r in results if r.name != "unification_enriched"}


def _ids(target: LocalTarget) -> dict[str, str]:
    """customer_id → its profile, from the enriched customers."""
    enriched = f"SELECT DISTINCT customer_id, customer_360 FROM {OUT}.enriched_customers"
    return {r["customer_id"]: r["customer_360"] for r in rows(target, enriched)}


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory):
    """The family unified once with do_not_merge_key and the golden master table."""
    local, project = unify_once(tmp_path_factory.mktemp("golden"), _family, **_family_section())
    yield local, project
    local.close()


def test_run_builds_the_master_rows_and_do_not_merge_key_keeps_c1_and_c2_apart(
    tmp_path: Path, golden
) -> None:
    family, project = golden
    checks = _validate(tmp_path, family, project)
    ids = _ids(family)
    assert len({ids["C1"], ids["C2"], ids["C3"]}) == 3  # fam@x.com does not merge C1 and C2
    master = rows(
        family,
        f"SELECT customer_360, first_name, first_seen_name, emails FROM {OUT}.golden "
        "ORDER BY first_name",
    )
    by_profile = {r.pop("customer_360"): r for r in master}
    assert by_profile.pop(ids["C1"]) == {  # latest name; first name ever; two latest emails
        "first_name": "Anne", "first_seen_name": "Ann", "emails": ["ann@x.com", "fam@x.com"],
    }  # fmt: skip
    assert by_profile.pop(ids["C2"]) == {
        "first_name": "Bob", "first_seen_name": "Bob", "emails": ["fam@x.com"],
    }  # fmt: skip
    # signups rank before customers for first_name (priority 2 < 3)
    assert by_profile.pop(ids["C3"]) == {
        "first_name": "Catherine", "first_seen_name": "Cat", "emails": ["cat@y.org"],
    }  # fmt: skip
    assert sorted(by_profile.values(), key=repr) == [
        {"first_name": "Dan", "first_seen_name": None, "emails": ["dan@z.net"]},
        {"first_name": None, "first_seen_name": None, "emails": ["dan2@z.net"]},
    ]
    assert checks["unification_master"].status is CheckStatus.PASS
    assert checks["unification_master"].detail == "5 rows for 5 profiles"
    assert checks["unification_master"].metrics["attribute_coverage"] == {
        "first_name": 0.8, "first_seen_name": 0.6, "emails": 1.0,
    }  # fmt: skip
    unique = checks["unification_lookup_unique"]
    assert unique.status is CheckStatus.PASS
    assert unique.detail == (
        "1 ids belong to more than one profile "
        "(expected: do_not_merge_key customer_id keeps them apart)"
    )


def test_without_do_not_merge_key_the_family_address_merges_c1_and_c2(
    tmp_path: Path, family: LocalTarget
) -> None:
    checks = _unified(tmp_path, family, do_not_merge_key=None, master_tables=[])
    ids = _ids(family)
    assert ids["C1"] == ids["C2"] != ids["C3"]
    assert "golden" not in {t.name for t in family.tables(OUT)}
    assert "unification_master" not in checks
    assert checks["unification_lookup_unique"].status is CheckStatus.PASS


def test_a_missing_or_short_master_table_fails_validate(tmp_path: Path, golden) -> None:
    family, project = golden
    family.query(f"ALTER TABLE {OUT}.golden RENAME TO golden_full")
    try:
        family.query(
            f"CREATE TABLE {OUT}.golden AS SELECT * FROM {OUT}.golden_full "
            "WHERE first_name IS DISTINCT FROM 'Bob'"
        )
        short = _validate(tmp_path, family, project)["unification_master"]
        family.query(f"DROP TABLE {OUT}.golden")
        missing = _validate(tmp_path, family, project)["unification_master"]
    finally:
        family.query(f"DROP TABLE IF EXISTS {OUT}.golden")
        family.query(f"ALTER TABLE {OUT}.golden_full RENAME TO golden")
    assert (short.status, short.detail) == (
        CheckStatus.FAIL, "4 rows for 5 profiles (one per profile expected)",
    )  # fmt: skip
    assert (missing.status, missing.detail) == (CheckStatus.FAIL, f"{OUT}.golden does not exist")
