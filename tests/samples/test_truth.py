"""The truth file agrees with the sources: one person per record, ids that match across sources."""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pytest

from cdpo.errors import ConfigError
from cdpo.samples import SIZES, Dataset, read_truth, record_key
from cdpo.samples import dirt as d
from cdpo.samples.people import build_population
from cdpo.samples.phones import COUNTRIES


@pytest.fixture(scope="module")
def truth(small: Dataset) -> dict[tuple[str, str], int]:
    return read_truth(small.path(small.truth_path))


def test_every_record_has_exactly_one_person(small: Dataset, rows, truth) -> None:
    count = duckdb.execute(
        "SELECT count(*) FROM read_parquet(?)", [str(small.path(small.truth_path))]
    ).fetchone()
    assert count == (len(truth),) == (small.truth_rows,)
    expected = {
        (e.table, record_key(row[e.record_id])) for e in small.extracts for row in rows(e.table)
    }
    assert expected == set(truth)
    assert set(truth.values()) <= set(range(small.people))


def person_of(truth, table: str, key: str, rows) -> dict[str, int]:
    return {record_key(r[key]): truth[table, record_key(r[key])] for r in rows(table)}


@pytest.mark.parametrize(
    ("table", "column", "target", "target_key"),
    [
        ("shopify_orders", "customer_id", "shopify_customers", "id"),
        ("klaviyo_events", "profile_id", "klaviyo_profiles", "id"),
        ("klaviyo_profiles", "external_id", "shopify_customers", "id"),
        ("web_pageviews", "customer_id", "shopify_customers", "id"),
        ("crm_transactions", "customer_no", "crm_customers", "customer_no"),
    ],
)
def test_ids_referring_to_another_source_point_at_the_same_person(
    rows, truth, table: str, column: str, target: str, target_key: str
) -> None:
    owners = person_of(truth, target, target_key, rows)
    record = {"shopify_orders": "id", "klaviyo_events": "id", "klaviyo_profiles": "id"}
    record |= {"web_pageviews": "event_id", "crm_transactions": "transaction_id"}
    linked = [r for r in rows(table) if r[column] not in (None, "")]
    found = [r for r in linked if record_key(r[column]) in owners]
    # A reference may precede its record: the record arrives after the incremental extract.
    assert len(found) > 0.98 * len(linked) > 0
    for row in found:
        assert owners[record_key(row[column])] == truth[table, record_key(row[record[table]])]


def test_crm_numbers_in_klaviyo_properties_belong_to_the_profile_person(rows, truth) -> None:
    owners = person_of(truth, "crm_customers", "customer_no", rows)
    carried = [(r["id"], json.loads(r["properties"])) for r in rows("klaviyo_profiles")]
    carried = [(i, p["crm_customer_no"]) for i, p in carried if "crm_customer_no" in p]
    assert carried
    assert all(owners[no] == truth["klaviyo_profiles", record_key(i)] for i, no in carried)


def test_real_emails_and_cookies_each_belong_to_one_person(small: Dataset, rows, truth) -> None:
    owners: dict[tuple[str, str], set[int]] = {}
    for extract in small.extracts:
        for row in rows(extract.table):
            person = truth[extract.table, record_key(row[extract.record_id])]
            for column, kind in extract.identifiers.items():
                value = row[column]
                if kind == "email" and d.email_kind(value) == "valid":
                    owners.setdefault((kind, value.strip().lower()), set()).add(person)
                if kind == "td_client_id":
                    owners.setdefault((kind, value), set()).add(person)
    assert len(owners) > small.people
    assert all(len(people) == 1 for people in owners.values())
    people_with_two_emails = people_with_several(owners, "email")
    assert people_with_two_emails > 0.2 * small.people


def people_with_several(owners: dict[tuple[str, str], set[int]], kind: str) -> int:
    """People with more than one distinct identifier of ``kind``."""
    per_person: dict[int, int] = {}
    for (k, _), people in owners.items():
        if k == kind:
            (person,) = people
            per_person[person] = per_person.get(person, 0) + 1
    return sum(count > 1 for count in per_person.values())


def national_number(value: str, country: int) -> str | None:
    """The national significant number of a phone as written, read in its owner's country."""
    spec = COUNTRIES[country]
    digits = re.sub(r"\D", "", value)
    for prefix in ("00" + spec.calling_code, spec.calling_code, "0"):
        if len(digits) == spec.nsn_length + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits if len(digits) == spec.nsn_length else None


def test_a_phone_in_any_format_is_one_household_s_number(small: Dataset, rows, truth) -> None:
    pop = build_population(np.random.default_rng(small.seed), SIZES[small.size])
    owners: dict[str, set[int]] = {}
    for extract in small.extracts:
        columns = [c for c, kind in extract.identifiers.items() if kind == "phone"]
        for row in rows(extract.table):
            person = truth[extract.table, record_key(row[extract.record_id])]
            for column in columns:
                value = row[column]
                if value is None or d.is_null_token(value) or value in d.JUNK_PHONES:
                    continue
                number = national_number(value, int(pop.country[person]))
                assert number is not None, value
                owners.setdefault(number, set()).add(person)
    households = [{int(pop.household[p]) for p in people} for people in owners.values()]
    assert all(len(h) == 1 for h in households)
    assert any(len(people) > 1 for people in owners.values())  # shared landlines


def test_reading_a_missing_or_foreign_truth_file_is_a_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="truth file not found"):
        read_truth(tmp_path / "nope.parquet")
    other = tmp_path / "other.parquet"
    duckdb.execute(f"COPY (SELECT 1 AS x) TO '{other}' (FORMAT parquet)")
    with pytest.raises(ConfigError, match="not a truth file"):
        read_truth(other)
