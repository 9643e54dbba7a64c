"""Klaviyo profiles and events, as the ``klaviyo`` connector delivers them (JSON lines).

Attribute names follow Klaviyo's API (``phone_number`` in E.164, ``external_id``, ``location``,
``properties``); timestamps are UTC ISO 8601 with ``+00:00``. ``properties`` is a free JSON object
whose keys vary by profile and carry booleans as strings and, for some, the CRM number.
"""

from __future__ import annotations

import numpy as np

from cdpo.samples import dirt, phones
from cdpo.samples.accounts import Accounts
from cdpo.samples.frame import Frame, arrivals, occurrences, select, versions, with_extracts
from cdpo.samples.people import Population, cities, pick, ulids, uuids
from cdpo.samples.times import strftime

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
PHONE_GIVEN_RATE = 0.45
"""Share of profiles with a phone number (Klaviyo keeps only valid E.164 numbers)."""
EXTERNAL_ID_RATE = 0.7
"""Share of profiles of Shopify customers whose ``external_id`` holds the Shopify customer id."""
CRM_PROPERTY_RATE = 0.5
"""Share of profiles of CRM members whose ``properties`` carry ``crm_customer_no``."""
EVENTS_PER_PROFILE = 3.8
METRICS = ("Received Email", "Opened Email", "Clicked Email", "Viewed Product", "Placed Order")
METRIC_P = (0.4, 0.25, 0.12, 0.15, 0.08)
CAMPAIGNS = ("Spring Sale", "Welcome Series", "Back in Stock", "Black Friday", "VIP Preview")


def klaviyo_time(epoch: np.ndarray) -> np.ndarray:
    """Klaviyo's spelling of an instant: UTC, ISO 8601, ``+00:00``."""
    return strftime(epoch, "%Y-%m-%dT%H:%M:%S+00:00")


def profiles_frame(rng: np.random.Generator, pop: Population, acc: Accounts) -> Frame:
    """Profiles, one version at creation and one per later update."""
    index, when = versions(rng, acc.klaviyo_created)
    person = acc.klaviyo_person[index]
    n = len(index)
    has_phone = (rng.random(len(acc.klaviyo_person)) < PHONE_GIVEN_RATE)[index]
    mobile = pick(pop.mobile_since, pop.mobiles, person, when)
    shop_id = acc.shopify_of[person]
    linked = (shop_id >= 0) & (rng.random(n) < EXTERNAL_ID_RATE)
    crm_no = acc.crm_of[person]
    columns = {
        "id": acc.klaviyo_id[index],
        "email": dirt.dirty_emails(rng, pick(pop.email_since, pop.emails, person, when)),
        "phone_number": dirt.given(has_phone, phones.e164(pop.country[person], mobile)),
        "external_id": dirt.given(linked, shop_id.astype(str)),
        "first_name": np.strings.capitalize(pop.first_name[person]),
        "last_name": np.strings.capitalize(pop.last_name[person]),
        "created": klaviyo_time(acc.klaviyo_created[index]),
        "updated": klaviyo_time(when),
        "_city": cities(rng, pop.country[person]),
        "_country": np.array([c.code for c in phones.COUNTRIES])[pop.country[person]],
        "_timezone": np.array(list(phones.TIMEZONES.values()))[pop.country[person]],
        "_tier": np.array(["bronze", "silver", "gold"])[rng.choice(3, n, p=(0.6, 0.3, 0.1))],
        "_sms": dirt.bool_strings(rng, rng.random(n) < 0.3),
        "_crm": np.where((crm_no != "") & (rng.random(n) < CRM_PROPERTY_RATE), crm_no, ""),
        "_record": index,
        "_person": person,
        "_arrival": arrivals(rng, when),
    }
    location = (
        "json_object('city', _city, 'country', _country, 'region', NULL, 'zip', NULL, "
        "'timezone', _timezone)"
    )
    properties = (
        "CASE WHEN _crm = '' THEN json_object('$source', 'shopify', 'loyalty_tier', _tier, "
        "'accepts_sms', _sms) ELSE json_object('$source', 'crm_import', 'loyalty_tier', _tier, "
        "'accepts_sms', _sms, 'crm_customer_no', _crm) END"
    )
    output = select(
        *("id", "email", "phone_number", "external_id", "first_name", "last_name"),
        *(("organization", "CAST(NULL AS VARCHAR)"), "created", "updated"),
        *(("location", location), ("properties", properties)),
    )
    return Frame(
        source="klaviyo",
        connector="klaviyo",
        object="profiles",
        format="jsonl",
        record_id="id",
        incremental_field="updated",
        time_field="updated",
        time_format=TIME_FORMAT,
        identifiers={
            "id": "klaviyo_profile_id",
            "email": "email",
            "phone_number": "phone",
            "external_id": "shopify_customer_id",
        },
        columns=with_extracts(columns),
        select=output,
        json_columns=("location", "properties"),
    )


def events_frame(rng: np.random.Generator, pop: Population, acc: Accounts) -> Frame:
    """Email and site events of profiles, after each profile's creation."""
    owner, when = occurrences(rng, acc.klaviyo_id, acc.klaviyo_created, EVENTS_PER_PROFILE)
    n = len(owner)
    metric = rng.choice(len(METRICS), n, p=METRIC_P)
    columns = {
        "id": ulids(rng, n, when),
        "metric_name": np.array(METRICS)[metric],
        "profile_id": acc.klaviyo_id[owner],
        "datetime": klaviyo_time(when),
        "timestamp": when,
        "uuid": uuids(rng, n),
        "_campaign": np.array(CAMPAIGNS)[rng.integers(0, len(CAMPAIGNS), n)],
        "_value": np.where(metric == METRICS.index("Placed Order"), rng.gamma(2.0, 35.0, n), 0.0),
        "_record": np.arange(n, dtype=np.int64),
        "_person": acc.klaviyo_person[owner],
        "_arrival": arrivals(rng, when),
    }
    properties = (
        "json_object('$event_id', uuid, '$value', round(_value, 2), 'Campaign Name', _campaign, "
        "'$flow', NULL)"
    )
    return Frame(
        source="klaviyo",
        connector="klaviyo",
        object="events",
        format="jsonl",
        record_id="id",
        incremental_field="datetime",
        time_field="datetime",
        time_format=TIME_FORMAT,
        identifiers={"profile_id": "klaviyo_profile_id"},
        columns=with_extracts(columns),
        select=select(
            *("id", "metric_name", "profile_id", "datetime", "timestamp", "uuid"),
            ("event_properties", properties),
        ),
        json_columns=("event_properties",),
    )
