"""Shopify customers and orders, as the legacy ``shopify`` connector delivers them (JSON lines).

Field names follow Shopify's REST Admin API objects; timestamps are the shop's local time with its
UTC offset (``2024-03-05T14:22:10-05:00``), as the API returns them. Nested objects
(``default_address``, ``line_items``, ``billing_address``, ``note_attributes``) stay JSON. A share
of orders carries the web cookie in ``note_attributes`` (``{"name": "td_client_id", ...}``), as
stores do that pass TD's cookie into cart attributes.
"""

from __future__ import annotations

import numpy as np

from cdpo.samples import dirt, phones
from cdpo.samples.accounts import Accounts
from cdpo.samples.frame import Frame, arrivals, occurrences, select, versions, with_extracts
from cdpo.samples.people import Population, cities, phone_at, pick
from cdpo.samples.times import DAY, local_offsets, offset_text, strftime

SHOP_TIMEZONE = "America/New_York"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
PHONE_GIVEN_RATE = 0.55
"""Share of Shopify customers who gave a phone number (the rest have ``null``)."""
ORDERS_PER_CUSTOMER = 1.8
GUEST_RATE = 0.12
"""Share of people without an account who still place guest orders."""
CART_COOKIE_RATE = 0.35
"""Share of orders whose ``note_attributes`` carry the ``td_client_id`` cookie."""
PRODUCTS = ("Classic Tee", "Hoodie", "Denim Jacket", "Sneakers", "Beanie", "Tote Bag")


def shop_time(epoch: np.ndarray) -> np.ndarray:
    """Shopify's spelling of an instant: local shop time with offset."""
    offsets = local_offsets(epoch, SHOP_TIMEZONE)
    local = strftime(epoch, "%Y-%m-%dT%H:%M:%S", offsets)
    return np.strings.add(local, offset_text(offsets))


def customers_frame(rng: np.random.Generator, pop: Population, acc: Accounts) -> Frame:
    """Customer records, one version at sign-up and one per later update."""
    index, when = versions(rng, acc.shopify_created)
    person = acc.shopify_person[index]
    n = len(index)
    has_phone = (rng.random(len(acc.shopify_person)) < PHONE_GIVEN_RATE)[index]
    phone = _phones(rng, pop, person, when, landline=0.2)
    columns = {
        "id": acc.shopify_id[index],
        "email": dirt.dirty_emails(rng, pick(pop.email_since, pop.emails, person, when)),
        "accepts_marketing": dirt.bool_strings(rng, rng.random(n) < 0.4),
        "created_at": shop_time(acc.shopify_created[index]),
        "updated_at": shop_time(when),
        "first_name": np.strings.capitalize(pop.first_name[person]),
        "last_name": np.strings.capitalize(pop.last_name[person]),
        "orders_count": rng.poisson(2, n),
        "state": np.array(["enabled", "disabled", "invited"])[rng.choice(3, n, p=(0.8, 0.1, 0.1))],
        "total_spent": np.round(rng.gamma(2.0, 60.0, n), 2),
        "verified_email": rng.random(n) < 0.9,
        "phone": dirt.given(has_phone, phone),
        "tags": np.array(["", "vip", "wholesale", "newsletter,vip"])[rng.integers(0, 4, n)],
        "_city": cities(rng, pop.country[person]),
        "_zip": rng.integers(10_000, 99_999, n),
        "_country": np.array([c.code for c in phones.COUNTRIES])[pop.country[person]],
        "_record": index,
        "_person": person,
        "_arrival": arrivals(rng, when),
    }
    address = (
        "json_object('first_name', first_name, 'last_name', last_name, 'city', _city, "
        "'zip', CAST(_zip AS VARCHAR), 'country_code', _country, 'phone', phone)"
    )
    output = select(
        *("id", "email", "accepts_marketing", "created_at", "updated_at", "first_name"),
        *("last_name", "orders_count", "state", ("total_spent", "printf('%.2f', total_spent)")),
        *("verified_email", "phone", "tags", ("currency", "'USD'"), ("default_address", address)),
    )
    return Frame(
        source="shopify",
        connector="shopify",
        object="customers",
        format="jsonl",
        record_id="id",
        incremental_field="updated_at",
        time_field="updated_at",
        time_format=TIME_FORMAT,
        identifiers={"id": "shopify_customer_id", "email": "email", "phone": "phone"},
        columns=with_extracts(columns),
        select=output,
        json_columns=("default_address",),
    )


def orders_frame(rng: np.random.Generator, pop: Population, acc: Accounts) -> Frame:
    """Orders of account holders and guests; updated (paid, fulfilled) days after creation."""
    owner, created = occurrences(rng, acc.shopify_person, acc.shopify_created, ORDERS_PER_CUSTOMER)
    guests = np.flatnonzero((acc.shopify_of < 0) & (rng.random(pop.size) < GUEST_RATE))
    g_owner, g_created = occurrences(rng, guests, pop.first_seen[guests], 1.0)
    person = np.concatenate([acc.shopify_person[owner], guests[g_owner]])
    customer = np.concatenate([acc.shopify_id[owner], np.full(len(g_owner), -1)])
    created = np.concatenate([created, g_created])
    order = np.argsort(created, kind="stable")
    person, customer, created = person[order], customer[order], created[order]
    n = len(person)
    updated = created + rng.integers(0, 10 * DAY, n)
    cookie = pick(pop.cookie_since, pop.cookies, person, created)
    carried = (cookie != "") & (rng.random(n) < CART_COOKIE_RATE)
    phone = _phones(rng, pop, person, created, landline=0.1)
    columns = {
        "id": 5_200_000_000_000 + np.arange(n, dtype=np.int64) * 13,
        "_number": np.arange(n, dtype=np.int64) + 1001,
        "_customer": customer,
        "email": dirt.dirty_emails(rng, pick(pop.email_since, pop.emails, person, created)),
        "phone": dirt.given(rng.random(n) < 0.3, phone),
        "created_at": shop_time(created),
        "updated_at": shop_time(updated),
        "total_price": np.round(rng.gamma(2.0, 35.0, n) + 5, 2),
        "financial_status": np.array(["paid", "pending", "refunded"])[
            rng.choice(3, n, p=(0.9, 0.06, 0.04))
        ],
        "test": dirt.bool_strings(rng, rng.random(n) < 0.01),
        "_product": rng.integers(1, len(PRODUCTS) + 1, n),
        "_quantity": rng.integers(1, 4, n),
        "_first": np.strings.capitalize(pop.first_name[person]),
        "_last": np.strings.capitalize(pop.last_name[person]),
        "_city": cities(rng, pop.country[person]),
        "_cookie": np.where(carried, cookie, ""),
        "_record": np.arange(n, dtype=np.int64),
        "_person": person,
        "_arrival": arrivals(rng, updated),
    }
    return Frame(
        source="shopify",
        connector="shopify",
        object="orders",
        format="jsonl",
        record_id="id",
        incremental_field="updated_at",
        time_field="updated_at",
        time_format=TIME_FORMAT,
        identifiers={"customer_id": "shopify_customer_id", "email": "email", "phone": "phone"},
        columns=with_extracts(columns),
        select=_order_select(),
        json_columns=("line_items", "billing_address", "note_attributes"),
    )


def _order_select() -> tuple[tuple[str, str], ...]:
    products = "[" + ", ".join(f"'{p}'" for p in PRODUCTS) + "]"
    line_items = (
        f"json_array(json_object('sku', 'SKU-' || CAST(_product AS VARCHAR), 'title', "
        f"{products}[_product], 'quantity', _quantity, 'price', printf('%.2f', total_price / _quantity)))"
    )
    billing = "json_object('first_name', _first, 'last_name', _last, 'city', _city, 'phone', phone)"
    notes = (
        "CASE WHEN _cookie = '' THEN json_array() ELSE "
        "json_array(json_object('name', 'td_client_id', 'value', _cookie)) END"
    )
    return select(
        *("id", ("name", "'#' || CAST(_number AS VARCHAR)")),
        ("customer_id", "CASE WHEN _customer < 0 THEN NULL ELSE _customer END"),
        *("email", "phone", "created_at", "updated_at", ("processed_at", "created_at")),
        *(("total_price", "printf('%.2f', total_price)"), ("currency", "'USD'")),
        *("financial_status", "test", ("line_items", line_items)),
        *(("billing_address", billing), ("note_attributes", notes)),
    )


def _phones(
    rng: np.random.Generator, pop: Population, person: np.ndarray, t: np.ndarray, landline: float
) -> np.ndarray:
    """Phones as typed into Shopify forms: national formats, null tokens and junk."""
    nsn = phone_at(rng, pop, person, t, landline)
    return dirt.dirty_phones(rng, phones.render(rng, pop.country[person], nsn))
