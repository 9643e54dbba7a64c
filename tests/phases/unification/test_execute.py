"""The generated project RUN on the local target (real DuckDB), then VALIDATE: ids, guards, coverage,
profile metrics and precision/recall against a truth file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cdpo.phases.base import CheckStatus, PhaseContext
from cdpo.phases.unification import UnificationPhase
from cdpo.phases.unification.checks import ProjectTables, check_coverage
from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import write_pipeline
from ..tables import rows, run
from .conftest import (
    CONFIG,
    OUT,
    STG,
    T0,
    U1,
    U3,
    generate,
    retail_tables,
    section,
    unify_once,
)


def _write_truth(path: Path) -> None:
    """Person 1: C1 rows, orders O1, events E1/E2; person 2: C2 rows and O2/O3; person 3: E3, E4."""
    records = [
        ("customers", "C1", 1), ("customers", "C2", 2), ("orders", "O1", 1), ("orders", "O2", 2),
        ("orders", "O3", 2), ("web_events", "E1", 1), ("web_events", "E2", 1),
        ("web_events", "E3", 3), ("web_events", "E4", 3),
    ]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (table_name VARCHAR, record_id VARCHAR, person_id BIGINT)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", records)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()


def _validate(tmp_path: Path, target: LocalTarget, project, **overrides):
    """The checks by name; the per-table ``unification_enriched`` ones by ``enriched:<table>``."""
    pipeline = write_pipeline(tmp_path / "pipeline", unification=section(**overrides))
    context = PhaseContext(pipeline, target, tmp_path / "pipeline")
    results = UnificationPhase().validate(context, project)
    return {
        f"enriched:{r.table.split('.')[-1]}" if r.name == "unification_enriched" else r.name: r
        for r in results
    }


@pytest.fixture(scope="module")
def unified(tmp_path_factory: pytest.TempPathFactory):
    """The retail tables unified once (canonical ids, full refresh), shared by the module."""
    local, project = unify_once(tmp_path_factory.mktemp("unified"), retail_tables)
    yield local, project
    local.close()


@pytest.fixture
def target(unified) -> LocalTarget:
    return unified[0]


@pytest.fixture
def ran(unified):
    return unified[1]


def test_people_get_one_id_across_tables_and_junk_merges_nobody(target: LocalTarget, ran) -> None:
    ids = {
        r["k"]: r["customer_360"]
        for table, key in (("customers", "email"), ("orders", "order_id"),
                           ("web_events", "event_id"))
        for r in rows(target, f"SELECT {key} || '@{table}' AS k, customer_360 "
                              f"FROM {OUT}.enriched_{table}")
    }  # fmt: skip
    a = ids["a@x.com@customers"]
    assert a == ids["O1@orders"] == ids["E1@web_events"] == ids["E2@web_events"]
    b = ids["b@y.org@customers"]
    assert b == ids["O2@orders"] == ids["O3@orders"]
    # noreply@shop.com and 0000000000 are shared by A and B: blocked, so A and B stay apart
    assert len({a, b, ids["E3@web_events"]}) == 3
    assert ids["E4@web_events"] is None  # no key at all
    assert len(a) == 12  # TD's canonical id: base64url of 9 bytes
    excluded = rows(target, f"SELECT key_name, key_value, row_count FROM {CONFIG}."
                            "customer_360_exclusions ORDER BY key_name")  # fmt: skip
    assert excluded == [
        {"key_name": "email", "key_value": "noreply@shop.com", "row_count": 2},
        {"key_name": "phone", "key_value": "0000000000", "row_count": 2},
    ]
    prep = rows(target, f"SELECT td_client_id FROM {CONFIG}.web_events_prep ORDER BY time")
    assert [r["td_client_id"] for r in prep] == [U1, U1, U3]


def test_validate_passes_and_reports_profiles_histograms_exclusions_and_truth(
    tmp_path: Path, target: LocalTarget, ran
) -> None:
    _write_truth(tmp_path / "pipeline" / "truth" / "identities.parquet")
    record_ids = {"customers": "customer_id", "orders": "order_id", "web_events": "event_id"}
    checks = _validate(
        tmp_path, target, ran, truth_file="truth/identities.parquet", truth_record_ids=record_ids
    )
    assert {n: c.status for n, c in checks.items()} == {
        "unification_lookup": CheckStatus.PASS,
        "unification_lookup_unique": CheckStatus.PASS,
        "enriched:enriched_customers": CheckStatus.PASS,
        "enriched:enriched_orders": CheckStatus.PASS,
        "enriched:enriched_web_events": CheckStatus.PASS,
        "unification_coverage": CheckStatus.PASS,
        "unification_master": CheckStatus.PASS,
        "unification_profiles": CheckStatus.PASS,
        "unification_exclusions": CheckStatus.PASS,
        "unification_truth": CheckStatus.PASS,
    }
    coverage = checks["unification_coverage"].metrics
    assert (coverage["rows"], coverage["rows_with_id"]) == (11, 10)
    assert coverage["per_table"] == {"customers": 1.0, "orders": 1.0, "web_events": 0.75}
    lookup = checks["unification_lookup"].metrics
    # A: a@x.com, +15550001111, C1, U1; B: b@y.org, C2; C: U3
    assert (lookup["ids"], lookup["profiles"]) == (7, 3)
    master = checks["unification_master"]
    assert master.detail == "3 rows for 3 profiles"  # the default customer_360_master
    assert master.metrics["attribute_coverage"] == {
        "email": 0.6667, "phone": 0.3333, "customer_id": 0.6667, "td_client_id": 0.6667,
    }  # fmt: skip
    profiles = checks["unification_profiles"].metrics
    assert profiles["largest_profile"] == 4
    assert profiles["merge_sizes"] == {"1": 1, "2": 1, "3-5": 1, "6-10": 0, "11+": 0}
    assert profiles["histograms"]["email"] == {0: 1, 1: 2}
    assert profiles["histograms"]["td_client_id"] == {0: 1, 1: 2}
    exclusions = checks["unification_exclusions"]
    assert exclusions.metrics["excluded_values"] == 2
    assert "email='noreply@shop.com'" in exclusions.detail
    truth = checks["unification_truth"].metrics
    # true pairs 6 + 3 + 1; E4 has no key, so person 3's one pair (E3, E4) is missed
    assert (truth["precision"], truth["recall"], truth["records"], truth["people"]) == (
        1.0, 0.9, 9, 3,
    )  # fmt: skip


def test_coverage_below_the_threshold_fails(target: LocalTarget, ran) -> None:
    names = ProjectTables.read(ran.directory)
    coverage = check_coverage(target, names, 0.95)[-1]
    assert coverage.status is CheckStatus.FAIL
    assert coverage.detail == "90.9% of 11 staged rows carry customer_360 (< 95% required)"


def test_missing_outputs_fail(tmp_path: Path, target: LocalTarget, ran) -> None:
    names = ProjectTables.read(ran.directory)
    target.query(f"ALTER TABLE {OUT}.enriched_orders RENAME TO enriched_orders_away")
    target.query(f"ALTER TABLE {OUT}.customer_360_lookup RENAME TO customer_360_lookup_away")
    try:
        failed = [c for c in check_coverage(target, names, 0.9) if c.status is CheckStatus.FAIL]
        checks = _validate(tmp_path, target, ran)
    finally:
        target.query(f"ALTER TABLE {OUT}.enriched_orders_away RENAME TO enriched_orders")
        target.query(f"ALTER TABLE {OUT}.customer_360_lookup_away RENAME TO customer_360_lookup")
    assert [(c.name, c.detail) for c in failed] == [
        ("unification_enriched", f"{OUT}.enriched_orders does not exist"),
        ("unification_coverage", "63.6% of 11 staged rows carry customer_360 (< 90% required)"),
    ]
    # without a lookup nothing else is checked
    assert [(c.name, c.status, c.detail) for c in checks.values()] == [
        ("unification_lookup", CheckStatus.FAIL, f"{OUT}.customer_360_lookup does not exist")
    ]


def test_incremental_persistent_ids_merge_new_rows_and_keep_old_ids(tmp_path: Path) -> None:
    """A second, incremental run: a new event ties cookie U3 to b@y.org, so person C joins B;
    A's persistent id does not change, and B/C keep the older of their two ids."""
    local = LocalTarget(tmp_path / "target")
    for database in (STG, CONFIG, OUT):
        local.create_database(database)
    retail_tables(local)
    options = {"id_method": "persistent_id", "update_strategy": "incremental"}
    project = generate(tmp_path, local, **options)
    run(local, project)
    query = f"SELECT event_id, customer_360 FROM {OUT}.enriched_web_events ORDER BY event_id"
    before = {r["event_id"]: r["customer_360"] for r in rows(local, query)}
    order = f"SELECT customer_360 FROM {OUT}.enriched_orders WHERE order_id = 'O2'"
    b_before = rows(local, order)[0]["customer_360"]
    local.query(f"INSERT INTO {STG}.web_events VALUES ('E5', '{U3}', 'b@y.org', {T0 + 100})")
    run(local, project)
    after = {r["event_id"]: r["customer_360"] for r in rows(local, query)}
    assert after["E1"] == before["E1"] == after["E2"]
    assert before["E3"] != b_before
    # B (first seen at T0 + 1) is older than C (T0 + 12): the merged profile keeps B's id
    assert after["E3"] == after["E5"] == rows(local, order)[0]["customer_360"] == b_before
    checks = _validate(tmp_path, local, project, **options)
    assert checks["unification_lookup"].metrics["profiles"] == 2
    local.close()


def test_a_project_that_was_never_generated_fails(tmp_path: Path, target: LocalTarget, ran) -> None:
    from dataclasses import replace

    checks = _validate(tmp_path, target, replace(ran, directory=tmp_path / "nowhere"))
    assert list(checks) == ["unification_generated"]
    assert checks["unification_generated"].status is CheckStatus.FAIL
