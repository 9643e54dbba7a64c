"""Every rule on dirty values, through the GENERATED Presto SQL run by the local Digdag runtime on
DuckDB: one input table per rule, each row a case (id, dirty input, expected outputs)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from cdpo.targets.local import LocalTarget

from ..tables import rows, run
from .conftest import STG, generate, make_table

T0 = 1704067200  # 2024-01-01 00:00:00 UTC


def sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


EMAILS = [  # (input, cleaned, std)
    ("john@example.com", "john@example.com", "john@example.com"),
    ("  John.Doe@Example.COM ", "john.doe@example.com", "john.doe@example.com"),
    ("JANE+news@shop.co.uk", "jane+news@shop.co.uk", "jane+news@shop.co.uk"),
    ("a_b-c%d@sub-domain.example.org", "a_b-c%d@sub-domain.example.org", "a_b-c%d@sub-domain.example.org"),
    ("no-at-sign.example.com", "no-at-sign.example.com", None),
    ("double@@example.com", "double@@example.com", None),
    ("no@tld", "no@tld", None),
    ("comma@example,com", "comma@example,com", None),
    ("trailing@example.com.", "trailing@example.com.", None),
    ("two..dots@example.com", "two..dots@example.com", None),
    (".lead@example.com", ".lead@example.com", None),
    ("N/A", None, None),
    ("", None, None),
    (None, None, None),
]  # fmt: skip

PHONES_US = [  # (input, E.164) with default_country US
    ("(212) 555-0134", "+12125550134"),
    ("212-555-0134", "+12125550134"),
    ("212.555.0134", "+12125550134"),
    ("2125550134", "+12125550134"),
    ("1 212 555 0134", "+12125550134"),
    ("+1 212 555 0134", "+12125550134"),
    ("+12125550134", "+12125550134"),
    ("001 212 555 0134", "+12125550134"),
    ("+44 7700 900123", "+447700900123"),
    ("+44 (0)7700 900123", "+447700900123"),
    ("0044 7700 900123", "+447700900123"),
    ("+49 151 12345678", "+4915112345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("+81 90-1234-5678", "+819012345678"),
    ("+61 412 345 678", "+61412345678"),
    ("+52 55 1234 5678", "+525512345678"),
    ("+55 11 91234-5678", "+5511912345678"),
    ("+91 98765 43210", "+919876543210"),
    ("+34 612 34 56 78", "+34612345678"),
    ("+31 6 12345678", "+31612345678"),
    ("07700 900123", None),  # a UK national number is not a US number
    ("0000000000", None),
    ("1234567890", None),
    ("555-0134", None),
    ("unknown", None),
    ("NA", None),
    (None, None),
]  # fmt: skip

PHONES_GB = [  # (input, E.164) with default_country GB
    ("07700 900123", "+447700900123"),
    ("020 7946 0000", "+442079460000"),
    ("7700 900123", "+447700900123"),
    ("44 7700 900123", "+447700900123"),
    ("+1 (212) 555-0134", "+12125550134"),
    ("(212) 555-0134", "+442125550134"),  # ten digits without a code: read in the default country
    ("0800 12", None),
]

DATES = [  # (input, _std in UTC) with timezone UTC
    ("2024-03-05 14:22:10", "2024-03-05 14:22:10"),
    ("2024-03-05T14:22:10", "2024-03-05 14:22:10"),
    ("2024-03-05 14:22:10.123", "2024-03-05 14:22:10"),
    ("2024-03-05 14:22", "2024-03-05 14:22:00"),
    ("2024-03-05", "2024-03-05 00:00:00"),
    ("2024/03/05", "2024-03-05 00:00:00"),
    ("2024/03/05 14:22:10", "2024-03-05 14:22:10"),
    ("05-03-2024 14:22:10.5", "2024-03-05 14:22:10"),
    ("05-03-2024 14:22:10", "2024-03-05 14:22:10"),
    ("05-03-2024", "2024-03-05 00:00:00"),
    ("03/05/2024 14:22:10.250", "2024-03-05 14:22:10"),
    ("03/05/2024 14:22:10", "2024-03-05 14:22:10"),
    ("03/05/2024", "2024-03-05 00:00:00"),
    ("05.03.2024", "2024-03-05 00:00:00"),
    ("2024-03-05T14:22:10Z", "2024-03-05 14:22:10"),
    ("2024-03-05T14:22:10-05:00", "2024-03-05 19:22:10"),
    ("2024-03-05 14:22:10+09:00", "2024-03-05 05:22:10"),
    ("2024-03-05T14:22:10.5+0530", "2024-03-05 08:52:10"),
    ("2024-03-05 14:22:10+00", "2024-03-05 14:22:10"),
    ("2024-03-05T14:22:10-05", "2024-03-05 19:22:10"),
    ("31-02-2024", None),
    ("yesterday", None),
    ("-", None),
    (None, None),
]

BOOLEANS = [
    ("true", "TRUE"), ("TRUE", "TRUE"), (" Yes ", "TRUE"), ("1", "TRUE"), ("Y", "TRUE"),
    ("false", "FALSE"), ("No", "FALSE"), ("0", "FALSE"), ("n", "FALSE"),
    ("maybe", None), ("", None), (None, None),
]  # fmt: skip

AMOUNTS = [
    ("12.345", 12.35), (" 7 ", 7.0), ("$1,234.50", 1234.5), ("-3.1", -3.1), ("€ 5", 5.0),
    ("abc", None), ("N/A", None), ("", None), (None, None),
]  # fmt: skip

NULL_TOKENS = [  # (input, id rule, text rule)
    ("  Ab-12 ", "Ab-12", "AB-12"), ("", None, None), ("NONE", None, None), ("null", None, None),
    ("N/A", None, None), ("na", None, None), ("NA", None, None), ("-", None, None),
    ("  ", None, None), ("Nancy", "Nancy", "NANCY"), (None, None, None),
]  # fmt: skip

JSONS = [
    ('{"plan": "gold", "address": {"city": "Paris", "zip": 75001}, "$source": "app", '
     '"tags": ["a", "b"], "opt in": true}'),
    '{"plan": " ", "address": {"city": "NA"}, "tags": [], "$source": null}',
    "NULL",
]  # fmt: skip


def _cases(target: LocalTarget) -> None:
    tables = {
        "emails_histunion": [e[0] for e in EMAILS],
        "phones_histunion": [p[0] for p in PHONES_US],
        "dates_histunion": [d[0] for d in DATES],
        "flags_histunion": [b[0] for b in BOOLEANS],
        "amounts_histunion": [a[0] for a in AMOUNTS],
        "tokens_histunion": [n[0] for n in NULL_TOKENS],
        "docs_histunion": JSONS,
    }
    for name, values in tables.items():
        columns = "case_id BIGINT, v VARCHAR, w VARCHAR, time BIGINT"
        make_table(target, name, columns, [(i, v, v, T0 + i) for i, v in enumerate(values)])


RULES = {
    "emails": {"columns": {"v": "email", "case_id": "keep"}},
    "phones": {"columns": {"v": "phone", "case_id": "keep"}},
    "dates": {"columns": {"v": "date", "case_id": "keep"}},
    "flags": {"columns": {"v": "boolean", "case_id": "keep"}},
    "amounts": {"columns": {"v": "amount", "case_id": "keep"}},
    "tokens": {"columns": {"v": "id", "w": "text", "case_id": "keep"}},
    "docs": {"columns": {"v": "json", "case_id": "keep"}},
}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    tmp_path = tmp_path_factory.mktemp("rules")
    target = LocalTarget(tmp_path / "target")
    for database in ("northwind_src", STG, "northwind_config"):
        target.create_database(database)
    _cases(target)
    project = generate(tmp_path, target, tables=[f"{t}_histunion" for t in RULES], rules=RULES)
    run(target, project)
    out = {t: rows(target, f"SELECT * FROM {STG}.{t} ORDER BY case_id") for t in RULES}
    target.close()
    return out


def test_email_rule(staged: dict[str, list[dict[str, Any]]]) -> None:
    got = [(r["v"], r["v_std"], r["v_hash"], r["v_valid"]) for r in staged["emails"]]
    want = [(c, s, sha(s), "TRUE" if s else "FALSE") for _, c, s in EMAILS]
    assert got == want


def test_phone_rule_us_default(staged: dict[str, list[dict[str, Any]]]) -> None:
    got = [(r["v_std"], r["v_hash"], r["v_valid"]) for r in staged["phones"]]
    assert got == [(e, sha(e), "TRUE" if e else "FALSE") for _, e in PHONES_US]


def test_date_rule(staged: dict[str, list[dict[str, Any]]]) -> None:
    import calendar
    import time

    def unix(std: str | None) -> int | None:
        return None if std is None else calendar.timegm(time.strptime(std, "%Y-%m-%d %H:%M:%S"))

    got = [(r["v_std"], r["v_unixtime"], r["v_date"]) for r in staged["dates"]]
    assert got == [(s, unix(s), s and s[:10]) for _, s in DATES]
    assert [r["time"] for r in staged["dates"]] == [T0 + i for i in range(len(DATES))]


def test_boolean_amount_and_null_token_rules(staged: dict[str, list[dict[str, Any]]]) -> None:
    assert [r["v"] for r in staged["flags"]] == [b for _, b in BOOLEANS]
    assert [r["v"] for r in staged["amounts"]] == [a for _, a in AMOUNTS]
    assert [(r["v"], r["w"]) for r in staged["tokens"]] == [(i, t) for _, i, t in NULL_TOKENS]


def test_json_rule(staged: dict[str, list[dict[str, Any]]]) -> None:
    first, second, third = staged["docs"]
    assert first["v_plan"] == "gold" and first["v_address_city"] == "Paris"
    assert first["v_address_zip"] == "75001" and first["v_source"] == "app"
    assert first["v_tags"] == ["a", "b"] and first["v_opt_in"] == "true"
    assert second["v_plan"] is None and second["v_address_city"] is None
    assert second["v_tags"] == [] and second["v_source"] is None
    assert third["v"] is None and third["v_plan"] is None and third["v_tags"] is None


def test_metadata_columns(staged: dict[str, list[dict[str, Any]]]) -> None:
    row = staged["flags"][0]
    assert row["source_system"] == "flags_histunion"
    assert len(row["load_timestamp"]) == 19 and row["load_timestamp"][:2] == "20"


def test_a_table_country_a_zone_and_a_null_token_set(tmp_path: Path, target: LocalTarget) -> None:
    values = [p[0] for p in PHONES_GB] + ["2024-07-01 12:00:00", "2024-07-01T12:00:00+02:00"]
    tokens = ["unknown", "NA", " ? "] + ["kept"] * (len(values) - 3)
    make_table(target, "uk_people_histunion", "case_id BIGINT, v VARCHAR, d VARCHAR, n VARCHAR, time BIGINT",
               [(i, v, v, tokens[i], T0) for i, v in enumerate(values)])  # fmt: skip
    rules = {"uk_people": {"columns": {"v": "phone", "d": "date", "n": "id", "case_id": "keep"},
                           "default_country": "gb"}}  # fmt: skip
    project = generate(tmp_path, target, tables=["uk_people_histunion"], timezone="Europe/London",
                       null_tokens=["", "Unknown", "?"], rules=rules)  # fmt: skip
    run(target, project)
    got = rows(target, f"SELECT v_std, d_std, n FROM {STG}.uk_people ORDER BY case_id")
    assert [r["v_std"] for r in got[: len(PHONES_GB)]] == [e for _, e in PHONES_GB]
    assert [r["d_std"] for r in got[-2:]] == ["2024-07-01 11:00:00", "2024-07-01 10:00:00"]
    assert [r["n"] for r in got[:4]] == [
        None,
        "NA",
        None,
        "kept",
    ]  # the configured set, not the default


DIRTY_DATES = [  # every shape of the chain, dirty spellings, and values that are not dates
    " 2024-03-05 14:22:10.999 ", "2024-03-05T14:22", "2024-02-29", "2024/03/05", "2024/03/05 23:59:59",
    "05-03-2024 14:22:10.5", "05-03-2024", "03/05/2024 14:22:10", "03/05/2024", "05.03.2024",
    "2024-03-05T14:22:10.5+0530", "2024-03-05 14:22:10-05", "2024-03-05T14:22:10Z", "NA", " - ",
    "2024-3-5", "14:22:10", "", None,
]  # fmt: skip


@pytest.mark.parametrize("engine", ["presto", "hive"])
def test_a_date_is_parsed_once_and_its_outputs_agree(
    tmp_path: Path, target: LocalTarget, engine: str
) -> None:
    """The cascade is written once per date column (its ``_std``, ``_unixtime`` and ``_date`` read
    its one result), in both renderings, and the three outputs agree on every dirty input."""
    import calendar
    import time

    from cdpo.phases.staging.dates import DATE_FORMATS, ISO_WITH_OFFSET

    ms = T0 * 1000
    data = [(i, v, ms + i * 1000, T0 + i) for i, v in enumerate(DIRTY_DATES)]
    make_table(target, "seen_histunion", "case_id BIGINT, v VARCHAR, ms BIGINT, time BIGINT", data)
    rules = {"seen": {"columns": {"v": "date", "ms": "date", "case_id": "keep"}}}
    project = generate(tmp_path, target, engine=engine, tables=["seen_histunion"], rules=rules)
    for path in ("init_queries/northwind_src_seen_histunion_init.sql",
                 "queries/northwind_src_seen_histunion.sql"):  # fmt: skip
        sql = (project.directory / path).read_text()
        for shape in (ISO_WITH_OFFSET, *(f.shape for f in DATE_FORMATS)):
            assert sql.count(shape) == 1, (path, shape)
        assert sql.count("100000000000") == 1  # the epoch-milliseconds test of ``ms``, once
    run(target, project)
    got = rows(target, f"SELECT * FROM {STG}.seen ORDER BY case_id")
    for column in ("v", "ms"):
        for row in got:
            std, unix, day = (row[f"{column}_{s}"] for s in ("std", "unixtime", "date"))
            assert (std is None) == (unix is None) == (day is None), row
            if std is not None:
                assert calendar.timegm(time.strptime(std, "%Y-%m-%d %H:%M:%S")) == unix, row
                assert day == std[:10], row
    assert [r["v_std"] for r in got] == [
        "2024-03-05 14:22:10", "2024-03-05 14:22:00", "2024-02-29 00:00:00", "2024-03-05 00:00:00",
        "2024-03-05 23:59:59", "2024-03-05 14:22:10", "2024-03-05 00:00:00", "2024-03-05 14:22:10",
        "2024-03-05 00:00:00", "2024-03-05 00:00:00", "2024-03-05 08:52:10", "2024-03-05 19:22:10",
        "2024-03-05 14:22:10", None, None, None, None, None, None,
    ]  # fmt: skip
    assert [r["ms_unixtime"] for r in got] == [T0 + i for i in range(len(DIRTY_DATES))]


def test_an_empty_null_token_set_keeps_every_value(tmp_path: Path, target: LocalTarget) -> None:
    values = [n[0] for n in NULL_TOKENS]
    make_table(target, "kept_histunion", "case_id BIGINT, v VARCHAR, time BIGINT",
               [(i, v, T0 + i) for i, v in enumerate(values)])  # fmt: skip
    rules = {"kept": {"columns": {"v": "id", "case_id": "keep"}}}
    project = generate(tmp_path, target, tables=["kept_histunion"], null_tokens=[], rules=rules)
    sql = (project.directory / "init_queries/northwind_src_kept_histunion_init.sql").read_text()
    assert "IN ()" not in sql  # TD Presto rejects an empty IN list (DuckDB does not)
    run(target, project)
    got = rows(target, f"SELECT v FROM {STG}.kept ORDER BY case_id")
    assert [r["v"] for r in got] == [None if v is None else v.strip() for v in values]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T10:20:30.123+09:00", True),
        (" 2024-03-05 10:20Z ", True),
        ("2024-03-05 10:20:30", True),
        ("2024-03-05T10:20", True),
        ("2024-03-05", True),
        ("2024/03/05", True),
        ("2024/03/05 10:20:30", True),
        ("05-03-2024 10:20:30.5", True),
        ("05-03-2024", True),
        ("03/05/2024 10:20:30", True),
        ("03/05/2024", True),
        ("05.03.2024", True),
        ("2024-03-05x", False),
        ("20240305", False),
        ("March 5, 2024", False),
        ("2024-03-05\n2024-03-06", False),
        ("", False),
    ],
)
def test_the_classifier_knows_every_shape_of_the_chain(value: str, expected: bool) -> None:
    from cdpo.phases.staging.dates import looks_like_date

    assert looks_like_date(value) is expected
