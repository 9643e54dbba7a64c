"""Guards: junk values and hubs do not merge strangers, and what they excluded is listed."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from cdpo.unify import BLOCKED_VALUE_DEFAULTS, Guards, blocked_patterns_for, unify
from cdpo.unify.guards import key_type_of

from .conftest import rows, write_table

S = "cdp_unification_g"
CONFIG: dict[str, Any] = {
    "name": "g",
    "keys": [{"name": "email"}, {"name": "phone"}, {"name": "td_client_id"}],
    "tables": [
        {
            "database": "src",
            "table": "events",
            "key_columns": [
                {"column": "email", "key": "email"},
                {"column": "phone", "key": "phone"},
                {"column": "td_client_id", "key": "td_client_id"},
            ],
        }
    ],
    "canonical_ids": [{"name": "pid", "merge_by_keys": ["email", "phone", "td_client_id"]}],
}


@pytest.fixture
def junk(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Ten strangers who share junk: a QA phone, placeholder emails and a kiosk device."""
    data: list[tuple[Any, ...]] = []
    for i in range(10):
        data.append((i, f"person{i}@mail.com", f"55512300{i:02d}", f"cookie-{i}"))
        data.append((100 + i, "noreply@shop.com", "0000000000", f"cookie-{i}"))
        data.append((200 + i, "test@test.com", f"55512300{i:02d}", None))
        data.append((300 + i, f"person{i}@mail.com", "NULL", "kiosk-1"))
        data.append((400 + i, "unknown", None, f"cookie-{i}"))
    data.append((500, "person1@mail.com", None, "cookie-1b"))  # a real second device: merged
    write_table(
        con, "src.events", "time BIGINT, email VARCHAR, phone VARCHAR, td_client_id VARCHAR", data
    )
    return con


def test_without_guards_junk_merges_strangers(junk: duckdb.DuckDBPyConnection) -> None:
    result = unify(CONFIG, junk, guards=Guards.off()).id("pid")
    assert result.profiles == 1 and result.excluded == ()


def test_guards_keep_strangers_apart_and_list_what_they_excluded(
    junk: duckdb.DuckDBPyConnection,
) -> None:
    result = unify(CONFIG, junk, guards=Guards(hub_limit=5, component_alarm=4)).id("pid")
    assert result.profiles == 10
    profiles = rows(
        junk, f"SELECT canonical_id, list(id ORDER BY id) FROM {S}.pid_lookup GROUP BY ALL"
    )
    assert sorted(p[1] for p in profiles)[1] == [
        "5551230001",
        "cookie-1",
        "cookie-1b",
        "person1@mail.com",
    ]
    excluded = {(e.key, e.value): e for e in result.excluded}
    assert {k: e.reason for k, e in excluded.items()} == {
        ("email", "noreply@shop.com"): "blocked",
        ("email", "test@test.com"): "blocked",
        ("email", "unknown"): "blocked",
        ("phone", "0000000000"): "blocked",
        ("phone", "NULL"): "blocked",
        ("td_client_id", "kiosk-1"): "hub",
    }
    assert excluded["email", "noreply@shop.com"].rows == 10
    assert (
        excluded["td_client_id", "kiosk-1"].detail == "linked to 10 distinct email values (limit 5)"
    )
    assert excluded["phone", "0000000000"].detail.startswith("matches ")
    listed = rows(junk, f"SELECT key_name, value, reason, rows FROM {S}.pid_excluded_values")
    assert ("td_client_id", "kiosk-1", "hub", 10) in listed and len(listed) == 6
    assert len(result.alarms) == 0  # largest profile has 4 ids, the alarm is for more than 4
    assert result.histograms["td_client_id"] == {1: 9, 2: 1}


def test_component_alarm_reports_large_profiles(junk: duckdb.DuckDBPyConnection) -> None:
    result = unify(CONFIG, junk, guards=Guards(hub_limit=5, component_alarm=3)).id("pid")
    (alarm,) = result.alarms
    assert (alarm.size, dict(alarm.ids_per_key)) == (4, {"email": 1, "phone": 1, "td_client_id": 2})


def test_known_hubs_stay_excluded_in_incremental_runs(junk: duckdb.DuckDBPyConnection) -> None:
    CONFIG["tables"][0]["incremental_columns"] = ["time"]
    try:
        unify(CONFIG, junk, guards=Guards(hub_limit=5))
        junk.execute("INSERT INTO src.events VALUES (600, 'new@mail.com', NULL, 'kiosk-1')")
        result = unify(CONFIG, junk, guards=Guards(hub_limit=5), full_refresh=False).id("pid")
    finally:
        del CONFIG["tables"][0]["incremental_columns"]
    assert result.mode == "incremental" and result.profiles == 11
    (hub,) = [e for e in result.excluded if e.reason == "hub"]
    assert (hub.value, hub.detail) == ("kiosk-1", "excluded as a hub by a previous run")


def test_a_hub_seen_through_two_columns_of_one_key_is_found(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A shop phone on 4 orders, each with two fresh emails: linked to 8 emails in 4 rows (the
    guard only joins back values in more than limit / columns-per-key rows)."""
    config = {
        **CONFIG,
        "keys": [{"name": "email"}, {"name": "phone"}],
        "canonical_ids": [{"name": "pid", "merge_by_keys": ["email", "phone"]}],
        "tables": [
            {
                "database": "src",
                "table": "orders",
                "key_columns": [
                    {"column": "phone", "key": "phone"},
                    {"column": "billing_email", "key": "email"},
                    {"column": "shipping_email", "key": "email"},
                ],
            }
        ],
    }
    data = [(i, "5550001111", f"bill{i}@mail.com", f"ship{i}@mail.com") for i in range(4)]
    write_table(
        con,
        "src.orders",
        "time BIGINT, phone VARCHAR, billing_email VARCHAR, shipping_email VARCHAR",
        data,
    )
    result = unify(config, con, guards=Guards(hub_limit=5)).id("pid")
    (hub,) = result.excluded
    assert (hub.value, hub.reason, hub.rows) == ("5550001111", "hub", 4)
    assert hub.detail == "linked to 8 distinct email values (limit 5)"
    assert result.profiles == 4  # each order's two emails stay together, orders apart


def test_blocked_values_are_data_and_can_be_replaced(junk: duckdb.DuckDBPyConnection) -> None:
    assert key_type_of("email_address") == "email" and key_type_of("mobile") == "phone"
    assert blocked_patterns_for("td_client_id") == BLOCKED_VALUE_DEFAULTS["generic"]
    assert set(BLOCKED_VALUE_DEFAULTS["generic"]) < set(blocked_patterns_for("email"))
    custom = Guards(blocked_values={"email": [r"^noreply@"], "phone": []}, hub_limit=None)
    result = unify(CONFIG, junk, guards=custom).id("pid")
    assert {(e.key, e.value) for e in result.excluded} == {("email", "noreply@shop.com")}
    applied = rows(junk, f"SELECT key_name, blocked_patterns FROM {S}.filter_lookup")
    assert ("email", ["^noreply@"]) in applied and ("phone", []) in applied


@pytest.mark.parametrize(
    ("value", "blocked"),
    [
        ("none@none.com", True),
        ("a@a.com", True),
        ("noemail@gmail.com", True),
        ("declined@shop.com", True),
        ("asdf@asdf.de", True),
        ("a@x.com", False),
        ("nora@nonesuch.com", False),
        ("ab@a.com", False),
        ("ann.lee@gmail.com", False),
    ],
)
def test_filler_emails_are_blocked_and_real_ones_are_not(value: str, blocked: bool) -> None:
    patterns = blocked_patterns_for("email")
    hits = duckdb.connect().execute(
        "SELECT bool_or(regexp_matches(?, p, 'i')) FROM unnest(?::VARCHAR[]) AS t(p)",
        [value, list(patterns)],
    )
    assert hits.fetchone() == (blocked,)
