"""Incremental runs, dedup/upsert and full mode, on the local runtime; VALIDATE on the result."""

from __future__ import annotations

from pathlib import Path

from cdpo.phases.base import CheckStatus, PhaseContext
from cdpo.phases.staging import StagingPhase
from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import write_pipeline
from ..tables import rows, run
from .conftest import CONFIG, STG, generate, insert_rows, make_table

T0 = 1704067200
MEMBERS = "member_id VARCHAR, region VARCHAR, email VARCHAR, plan VARCHAR, time BIGINT"


def _validate(tmp_path: Path, target: LocalTarget, project, **section):
    pipeline = write_pipeline(tmp_path / "pipeline", staging=section)
    context = PhaseContext(pipeline, target, tmp_path / "pipeline")
    return {(r.name, r.table): r for r in StagingPhase().validate(context, project)}


def test_second_run_adds_only_new_rows_and_an_updated_key_keeps_its_latest_row(
    tmp_path: Path, target: LocalTarget
) -> None:
    make_table(target, "members_histunion", MEMBERS, [
        ("M1", "eu", "a@x.com", "free", T0),
        ("M1", "eu", "A@X.com ", "gold", T0 + 10),  # same key, later: wins within the batch
        ("M2", "us", "b@y.org", "free", T0 + 5),
        (None, None, "nokey@x.com", "free", T0 + 6),  # no key: kept, never merged
    ])  # fmt: skip
    make_table(target, "visits_histunion", "page VARCHAR, time BIGINT",
               [("home", T0), ("cart", T0 + 1)])  # fmt: skip
    section = {
        "tables": ["members_histunion", "visits_histunion"],
        "rules": {"members": {"dedup": {"keys": ["member_id"]}, "columns": {"member_id": "id"}}},
    }
    project = generate(tmp_path, target, **section)
    run(target, project)
    first = rows(target, f"SELECT member_id, plan, email_std FROM {STG}.members ORDER BY member_id")
    assert first == [
        {"member_id": "M1", "plan": "GOLD", "email_std": "a@x.com"},
        {"member_id": "M2", "plan": "FREE", "email_std": "b@y.org"},
        {"member_id": None, "plan": "FREE", "email_std": "nokey@x.com"},
    ]
    insert_rows(target, "members_histunion", [
        ("M2", "us", "b2@y.org", "gold", T0 + 100),  # update of M2
        ("M3", "jp", "c@z.jp", "free", T0 + 101),
    ])  # fmt: skip
    insert_rows(target, "visits_histunion", [("checkout", T0 + 102)])
    run(target, project)
    second = rows(target, f"SELECT member_id, plan, email FROM {STG}.members ORDER BY member_id")
    assert second == [
        {"member_id": "M1", "plan": "GOLD", "email": "a@x.com"},
        {"member_id": "M2", "plan": "GOLD", "email": "b2@y.org"},
        {"member_id": "M3", "plan": "FREE", "email": "c@z.jp"},
        {"member_id": None, "plan": "FREE", "email": "nokey@x.com"},
    ]
    pages = rows(target, f"SELECT page FROM {STG}.visits ORDER BY time")
    assert [r["page"] for r in pages] == ["HOME", "CART", "CHECKOUT"]
    log = rows(target, f"SELECT table_name, inc_value FROM {CONFIG}.inc_log "
                       "WHERE project_name = 'staging' ORDER BY inc_value")  # fmt: skip
    assert log == [
        {"table_name": "visits_histunion", "inc_value": T0 + 1},
        {"table_name": "members_histunion", "inc_value": T0 + 10},
        {"table_name": "members_histunion", "inc_value": T0 + 101},
        {"table_name": "visits_histunion", "inc_value": T0 + 102},
    ]
    assert not [t for t in target.tables(STG) if t.name.startswith("work_")]
    checks = _validate(tmp_path, target, project, **section)
    assert checks[("staging_rows", f"{STG}.members")].status is CheckStatus.PASS
    assert checks[("staging_rows", f"{STG}.members")].metrics == {"rows": 4, "expected_rows": 4}
    assert checks[("staging_rows", f"{STG}.visits")].metrics == {"rows": 3, "expected_rows": 3}
    assert checks[("staging_schema", f"{STG}.members")].status is CheckStatus.PASS
    quality = checks[("staging_quality", f"{STG}.members")].metrics["columns"]
    assert quality["email"] == {
        "class": "email",
        "null_rate": 0.0,
        "invalid": 0,
        "valid_share": 1.0,
    }
    assert quality["member_id"]["null_rate"] == 0.25


def test_a_third_run_without_new_rows_changes_nothing(tmp_path: Path, target: LocalTarget) -> None:
    make_table(target, "events_histunion", "kind VARCHAR, time BIGINT", [("a", T0), ("b", T0 + 1)])
    project = generate(tmp_path, target, tables=["events_histunion"])
    for _ in range(3):
        run(target, project)
    assert rows(target, f"SELECT COUNT(*) AS n FROM {STG}.events") == [{"n": 2}]
    log = rows(target, f"SELECT COUNT(*) AS n FROM {CONFIG}.inc_log")
    assert log == [{"n": 1}]


def test_multi_column_keys_are_not_confused_by_concatenation(
    tmp_path: Path, target: LocalTarget
) -> None:
    make_table(target, "pairs_histunion", "k1 VARCHAR, k2 VARCHAR, v VARCHAR, time BIGINT", [
        ("ab", "c", "first", T0), ("a", "bc", "second", T0 + 1), ("a", None, "third", T0 + 2),
    ])  # fmt: skip
    rules = {"pairs": {"dedup": {"keys": ["k1", "k2"]}, "columns": {"k1": "id", "k2": "id"}}}
    project = generate(tmp_path, target, tables=["pairs_histunion"], rules=rules)
    run(target, project)
    insert_rows(
        target, "pairs_histunion", [("a", None, "fourth", T0 + 3), ("a", "bc", "fifth", T0 + 4)]
    )
    run(target, project)
    got = rows(target, f"SELECT k1, k2, v FROM {STG}.pairs ORDER BY v")
    assert got == [
        {"k1": "a", "k2": "bc", "v": "FIFTH"},
        {"k1": "ab", "k2": "c", "v": "FIRST"},
        {"k1": "a", "k2": None, "v": "FOURTH"},
    ]


def test_full_mode_rebuilds_and_the_row_check_catches_a_tampered_table(
    tmp_path: Path, target: LocalTarget
) -> None:
    make_table(target, "prices_histunion", "sku VARCHAR, price VARCHAR, time BIGINT",
               [("s1", "$1.50", T0), ("s2", "2", T0 + 1)])  # fmt: skip
    section = {"tables": ["prices_histunion"], "mode": "full"}
    project = generate(tmp_path, target, **section)
    run(target, project)
    target.query(f"INSERT INTO {STG}.prices SELECT * FROM {STG}.prices")
    checks = _validate(tmp_path, target, project, **section)
    assert checks[("staging_rows", f"{STG}.prices")].status is CheckStatus.FAIL
    run(target, project)
    got = rows(target, f"SELECT sku, price FROM {STG}.prices ORDER BY sku")
    assert got == [{"sku": "s1", "price": 1.5}, {"sku": "s2", "price": 2.0}]
    checks = _validate(tmp_path, target, project, **section)
    assert checks[("staging_rows", f"{STG}.prices")].status is CheckStatus.PASS


def test_a_key_on_parsed_outputs_upserts_and_validates(tmp_path: Path, target: LocalTarget) -> None:
    """Keys that are a rule's parsed value (an email's ``_std``, a date's ``_unixtime``) read the
    ``parsed_data`` helpers, in the upsert and in VALIDATE's re-count of the source keys."""
    columns = "email VARCHAR, seen VARCHAR, note VARCHAR, time BIGINT"
    make_table(target, "visitors_histunion", columns, [
        ("A@x.com", "2024-03-05", "first", T0),
        (" a@x.com", "05.03.2024", "second", T0 + 1),  # same keys once cleaned: one row
        ("a@x.com", "2024-03-06", "other day", T0 + 2),
        ("not an email", "yesterday", "no key", T0 + 3),  # both keys NULL: kept as is
        ("bad", "NA", "no key either", T0 + 4),
    ])  # fmt: skip
    keys = {"keys": ["email_std", "seen_unixtime"]}
    section = {
        "tables": ["visitors_histunion"],
        "rules": {"visitors": {"dedup": keys, "columns": {"note": "id", "seen": "date"}}},
    }
    project = generate(tmp_path, target, **section)
    run(target, project)
    insert_rows(target, "visitors_histunion", [("a@X.com ", "2024-03-06T00:00", "update", T0 + 9)])
    run(target, project)
    got = rows(target, f"SELECT note FROM {STG}.visitors ORDER BY time")
    assert [r["note"] for r in got] == ["second", "no key", "no key either", "update"]
    checks = _validate(tmp_path, target, project, **section)
    assert checks[("staging_rows", f"{STG}.visitors")].metrics == {"rows": 4, "expected_rows": 4}
    assert checks[("staging_rows", f"{STG}.visitors")].status is CheckStatus.PASS
    target.query(f"DELETE FROM {STG}.visitors WHERE note = 'update'")
    checks = _validate(tmp_path, target, project, **section)
    assert checks[("staging_rows", f"{STG}.visitors")].status is CheckStatus.FAIL
