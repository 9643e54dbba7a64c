"""Every kind of dirt the samples promise is in the written files, at its stated rate."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from datetime import datetime

from cdpo.samples import Dataset, read_truth, record_key
from cdpo.samples import dirt as d

DIRTY_PHONE_COLUMNS = {
    "shopify_customers": ("phone",),
    "shopify_orders": ("phone",),
    "crm_customers": ("phone", "mobile"),
    "crm_transactions": ("phone",),
}


def assert_rate(hits: int, total: int, rate: float) -> None:
    """``hits / total`` is within 4.5 standard deviations (plus 0.5 point) of ``rate``."""
    assert total > 300
    slack = 4.5 * math.sqrt(rate * (1 - rate) / total) + 0.005
    assert abs(hits / total - rate) <= slack, (hits, total, hits / total, rate)


def values(small: Dataset, rows, kind: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every given (non-null) value of the identifier columns of one kind, over all files."""
    out: list[str] = []
    for extract in small.extracts:
        columns = [
            c for c, k in extract.identifiers.items() if k == kind and extract.table not in skip
        ]
        for row in rows(extract.table):
            out.extend(row[c] for c in columns if row[c] is not None)
    return out


def test_email_dirt_rates(small: Dataset, rows) -> None:
    emails = values(small, rows, "email")
    kinds = Counter(d.email_kind(v) for v in emails)
    assert_rate(kinds["null"], len(emails), d.NULL_RATE)
    given = len(emails) - kinds["null"]
    assert_rate(kinds["junk"], given, d.EMAIL_JUNK_RATE)
    real = [v for v in emails if d.email_kind(v) in ("valid", "invalid")]
    assert_rate(kinds["invalid"], len(real), d.EMAIL_INVALID_RATE)
    assert_rate(sum(v.strip() != v.strip().lower() for v in real), len(real), d.EMAIL_CASE_RATE)
    assert_rate(sum(v != v.strip() for v in real), len(real), d.EMAIL_SPACE_RATE)
    assert {v for v in emails if d.email_kind(v) == "junk"} == set(d.JUNK_EMAILS)


def test_every_null_token_appears(small: Dataset, rows) -> None:
    seen = Counter(v for v in values(small, rows, "email") if d.is_null_token(v))
    assert set(seen) == set(d.NULL_TOKENS)


def test_phone_dirt_rates_and_national_formats(small: Dataset, rows) -> None:
    phones = [
        row[column]
        for table, columns in DIRTY_PHONE_COLUMNS.items()
        for row in rows(table)
        for column in columns
        if row[column] is not None
    ]
    tokens = sum(d.is_null_token(v) for v in phones)
    assert_rate(tokens, len(phones), d.NULL_RATE)
    given = [v for v in phones if not d.is_null_token(v)]
    assert_rate(sum(v in d.JUNK_PHONES for v in given), len(given), d.PHONE_JUNK_RATE)
    shapes = Counter(re.sub(r"\d", "X", v) for v in given if v not in d.JUNK_PHONES)
    assert len(shapes) >= 12
    calling_codes = {m.group(1) for v in given if (m := re.match(r"\+(\d{1,2})[ -]", v))}
    assert {"1", "44", "49", "33", "81", "61", "52", "55"} <= calling_codes


def test_klaviyo_phones_are_e164(rows) -> None:
    numbers = [r["phone_number"] for r in rows("klaviyo_profiles") if r["phone_number"]]
    assert numbers and all(re.fullmatch(r"\+\d{9,13}", n) for n in numbers)


def test_booleans_are_strings_in_every_spelling(rows) -> None:
    spelled = [r["accepts_marketing"] for r in rows("shopify_customers")]
    spelled += [r["test"] for r in rows("shopify_orders")]
    spelled += [r[c] for r in rows("crm_customers") for c in ("email_opt_in", "sms_opt_in")]
    spelled += [json.loads(r["properties"])["accepts_sms"] for r in rows("klaviyo_profiles")]
    every = set(d.BOOL_SPELLINGS[True]) | set(d.BOOL_SPELLINGS[False])
    assert set(spelled) == every


def test_dates_come_in_every_format_at_their_weights(rows) -> None:
    dates = [r[c] for r in rows("crm_customers") for c in ("birth_date", "signup_date")]
    assert_rate(sum(d.is_null_token(v) for v in dates), len(dates), d.NULL_RATE)
    formats = Counter(_date_format(v) for v in dates if not d.is_null_token(v))
    assert None not in formats
    total = sum(formats.values())
    weight = sum(d.DATE_FORMAT_WEIGHTS)
    for fmt, w in zip(d.DATE_FORMATS, d.DATE_FORMAT_WEIGHTS, strict=True):
        assert_rate(formats[fmt], total, w / weight)


def _date_format(value: str) -> str | None:
    matches = []
    for fmt in d.DATE_FORMATS:
        try:
            datetime.strptime(value, fmt)
            matches.append(fmt)
        except ValueError:
            pass
    return matches[0] if len(matches) == 1 else None


def test_times_carry_several_zones_and_formats(rows) -> None:
    shop = {r["created_at"][-6:] for r in rows("shopify_customers")}
    assert shop == {"-05:00", "-04:00"}  # New York, with daylight saving
    till = [r["transaction_time"] for r in rows("crm_transactions")]
    offsets = {m.group(0) for t in till if (m := re.search(r"[+-]\d\d:\d\d$", t))}
    assert len(offsets) >= 6
    shapes = {re.sub(r"\d", "9", re.sub(r"[+-]\d\d:\d\d$", "+zz", t)) for t in till}
    assert shapes == {"9999-99-99 99:99:99+zz", "9999-99-99T99:99:99Z", "99/99/9999 99:99:99"}
    web = rows("web_pageviews")[0]["event_time"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", web)


def test_crm_names_are_typed_every_way(rows) -> None:
    names = [r[c] for r in rows("crm_customers") for c in ("first_name", "last_name")]
    given = [n for n in names if not d.is_null_token(n)]
    assert_rate(sum(n.strip().isupper() for n in given), len(given), d.NAME_UPPER_RATE)
    assert_rate(sum(n.endswith(" ") for n in given), len(given), d.NAME_SPACE_RATE)
    assert any(d.is_null_token(n) for n in names)


def test_json_columns_hold_objects_and_arrays(small: Dataset, rows) -> None:
    for extract in small.extracts:
        for column in extract.json_columns:
            parsed = [json.loads(r[column]) for r in rows(extract.table, "hist")]
            assert all(isinstance(p, dict | list) for p in parsed), (extract.table, column)
    notes = [json.loads(r["note_attributes"]) for r in rows("shopify_orders")]
    cookies = [n[0]["value"] for n in notes if n]
    assert 0.1 < len(cookies) / len(notes) < 0.5
    assert all(re.fullmatch(r"[0-9a-f-]{36}", c) for c in cookies)
    props = [json.loads(r["properties"]) for r in rows("klaviyo_profiles")]
    assert any("crm_customer_no" in p for p in props) and any(
        "crm_customer_no" not in p for p in props
    )


def test_junk_identifiers_are_shared_by_many_unrelated_people(small: Dataset, rows) -> None:
    truth = read_truth(small.path(small.truth_path))
    owners: dict[str, set[int]] = {}
    for extract in small.extracts:
        for row in rows(extract.table):
            person = truth[extract.table, record_key(row[extract.record_id])]
            for column in extract.identifiers:
                value = row[column]
                if value in d.JUNK_EMAILS or value in d.JUNK_PHONES:
                    owners.setdefault(value, set()).add(person)
    assert set(owners) == set(d.JUNK_EMAILS) | set(d.JUNK_PHONES)
    assert min(len(people) for people in owners.values()) >= 5
