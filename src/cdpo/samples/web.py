"""Web page views carrying TD's ``td_client_id`` cookie, as a BigQuery export replayed by the
``bigquery_v2`` connector (Parquet).

Columns are those TD's JavaScript SDK collects (``td_client_id``, ``td_url``, ``td_ip``, ...) plus
what the site adds on login, sign-up and checkout: ``user_email`` and the Shopify ``customer_id``.
Most views are anonymous: only the cookie ties them to a person. ``event_time`` is BigQuery's
DATETIME text, ``2025-01-10 13:45:30.123`` (spec §2.6).
"""

from __future__ import annotations

import numpy as np

from cdpo.samples import dirt, phones
from cdpo.samples.accounts import Accounts
from cdpo.samples.frame import Frame, arrivals, occurrences, select, sql_lookup, with_extracts
from cdpo.samples.people import NEVER, Population, pick, uuids
from cdpo.samples.times import digits, strftime

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%g"
VIEWS_PER_PERSON = 6.0
EVENT_TYPES = ("pageview", "login", "add_to_cart", "checkout", "signup")
EVENT_TYPE_P = (0.85, 0.05, 0.05, 0.03, 0.02)
IDENTIFIED_TYPES = ("login", "checkout", "signup")
"""Event types on which the site records the visitor's email."""
PATHS = ("/", "/collections/new", "/products/classic-tee", "/products/hoodie", "/cart", "/account")
REFERRERS = ("", "https://www.google.com/", "https://www.instagram.com/", "https://t.co/")
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36",
)
LANGUAGES = {"US": "en-US", "CA": "en-CA", "GB": "en-GB", "DE": "de-DE", "FR": "fr-FR"}
LANGUAGES |= {"JP": "ja-JP", "AU": "en-AU", "MX": "es-MX", "BR": "pt-BR"}


def pageviews_frame(rng: np.random.Generator, pop: Population, acc: Accounts) -> Frame:
    """Page views of every person with a cookie, from their first cookie on."""
    who = np.flatnonzero(pop.cookie_since[:, 0] != NEVER)
    owner, when = occurrences(rng, who, pop.cookie_since[who, 0], VIEWS_PER_PERSON)
    person = who[owner]
    n = len(person)
    kind = rng.choice(len(EVENT_TYPES), n, p=EVENT_TYPE_P)
    identified = np.isin(kind, [EVENT_TYPES.index(t) for t in IDENTIFIED_TYPES])
    email = np.full(n, None, dtype=object)
    email[identified] = dirt.dirty_emails(
        rng, pick(pop.email_since, pop.emails, person[identified], when[identified])
    )
    customer = np.where(kind == EVENT_TYPES.index("login"), acc.shopify_of[person], -1)
    millis = rng.integers(0, 1000, n)
    columns = {
        "event_id": uuids(rng, n),
        "td_client_id": pick(pop.cookie_since, pop.cookies, person, when),
        "_kind": kind,
        "_path": rng.integers(0, len(PATHS), n),
        "_referrer": rng.integers(0, len(REFERRERS), n),
        "_ip": rng.integers(16_777_216, 3_758_096_383, n),
        "_agent": rng.integers(0, len(USER_AGENTS), n),
        "_country": pop.country[person],
        "user_email": email,
        "_customer": customer,
        "event_time": np.strings.add(strftime(when, "%Y-%m-%d %H:%M:%S."), digits(millis, 3)),
        "_record": np.arange(n, dtype=np.int64),
        "_person": person,
        "_arrival": arrivals(rng, when),
    }
    ip = "printf('%d.%d.%d.%d', _ip >> 24, (_ip >> 16) & 255, (_ip >> 8) & 255, _ip & 255)"
    languages = tuple(LANGUAGES[c.code] for c in phones.COUNTRIES)
    output = select(
        *("event_id", "td_client_id", ("event_type", sql_lookup(EVENT_TYPES, "_kind"))),
        ("td_url", "'https://shop.example.com' || " + sql_lookup(PATHS, "_path")),
        ("td_path", sql_lookup(PATHS, "_path")),
        ("td_referrer", f"NULLIF({sql_lookup(REFERRERS, '_referrer')}, '')"),
        ("td_ip", ip),
        ("td_user_agent", sql_lookup(USER_AGENTS, "_agent")),
        *(("td_language", sql_lookup(languages, "_country")), "user_email"),
        *(("customer_id", "CASE WHEN _customer < 0 THEN NULL ELSE _customer END"), "event_time"),
    )
    return Frame(
        source="web",
        connector="bigquery_v2",
        object="pageviews",
        format="parquet",
        record_id="event_id",
        incremental_field="event_time",
        time_field="event_time",
        time_format=TIME_FORMAT,
        identifiers={
            "td_client_id": "td_client_id",
            "user_email": "email",
            "customer_id": "shopify_customer_id",
        },
        columns=with_extracts(columns),
        select=output,
    )
