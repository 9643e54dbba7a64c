"""Key discovery: names, types and sampled values decide which columns carry which key, with reasons."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cdpo.phases.unification import discover_columns
from cdpo.samples import generate_dataset
from cdpo.targets.base import Column


def _keys(columns: list[tuple[str, str]], sample=None, table: str = "t") -> dict[str, str | None]:
    found = discover_columns([Column(n, t) for n, t in columns], sample or {}, table)
    return {d.column: d.key for d in found}


def test_names_confirmed_by_samples() -> None:
    keys = _keys(
        [("contact_email", "varchar"), ("mobile", "varchar"), ("td_client_id", "varchar"),
         ("td_global_id", "varchar"), ("loyalty_id", "bigint"), ("shop_user_id", "varchar"),
         ("notes", "varchar"), ("time", "bigint")],
        {"contact_email": ["a@b.co", "c@d.org"], "mobile": ["+33 6 12 34 56 78"]},
    )  # fmt: skip
    assert keys == {
        "contact_email": "email", "mobile": "phone", "td_client_id": "td_client_id",
        "td_global_id": "td_global_id", "loyalty_id": "loyalty_id", "shop_user_id": "user_id",
        "notes": None, "time": None,
    }  # fmt: skip


def test_names_the_sample_contradicts_types_and_derived_columns_are_not_keys() -> None:
    found = discover_columns(
        [Column("email_opt_in", "varchar"), Column("phone_ext", "varchar"),
         Column("verified_email", "boolean"), Column("email_hash", "varchar"),
         Column("tags", "array(varchar)"), Column("contact", "varchar")],
        {"email_opt_in": ["true", "false"], "phone_ext": ["12", "7"],
         "contact": ["x@y.com"] * 9 + ["n/a"]},
    )  # fmt: skip
    assert [(d.column, d.key, d.reason) for d in found] == [
        ("email_opt_in", None, "named like email, values are not emails"),
        ("phone_ext", None, "named like phone, values are not phones"),
        ("verified_email", None, "type boolean cannot hold an identifier"),
        ("email_hash", None, "derived column (hash, validity flag or date part)"),
        ("tags", None, "type array(varchar) cannot hold an identifier"),
        ("contact", "email", "sampled values are emails"),
    ]


def test_standardised_columns_replace_the_raw_ones() -> None:
    keys = _keys([("phone", "varchar"), ("phone_std", "varchar"), ("phone_valid", "varchar")])
    assert keys == {"phone": None, "phone_std": "phone", "phone_valid": None}


@pytest.mark.parametrize(
    ("table", "key"), [("shopify_customers", "customer_id"), ("klaviyo_profiles", "profile_id"),
                       ("shopify_orders", None)],
)  # fmt: skip
def test_the_id_of_an_entity_table_is_that_entitys_key(table: str, key: str | None) -> None:
    assert _keys([("id", "bigint")], table=table) == {"id": key}


_KEY_OF_KIND = {
    "email": "email", "phone": "phone", "td_client_id": "td_client_id",
    "shopify_customer_id": "customer_id", "klaviyo_profile_id": "profile_id",
    "crm_customer_no": "customer_no",
}  # fmt: skip


def test_discovers_the_demo_data_sets_identifiers(tmp_path: Path) -> None:
    """Every identifier the demo's manifest declares, from the files' own columns and values, but
    klaviyo's external_id (a Shopify id under a generic name: an override's job)."""
    dataset = generate_dataset(tmp_path, people=40)
    for extract in dataset.extracts:
        relation = duckdb.sql(f"SELECT * FROM '{dataset.path(extract.hist_path)}' LIMIT 200")
        columns = [
            Column(n, str(t).lower()) for n, t in zip(relation.columns, relation.types, strict=True)
        ]
        values = list(zip(*relation.fetchall(), strict=True))
        sample = {
            c.name: [str(v) for v in values[i] if v is not None] for i, c in enumerate(columns)
        }
        found = {c: k for c, k in _keys([(c.name, c.type) for c in columns], sample,
                                         extract.table).items() if k}  # fmt: skip
        expected = {
            column: _KEY_OF_KIND[kind]
            for column, kind in extract.identifiers.items()
            if column != "external_id"
        }
        assert found == expected, extract.table
