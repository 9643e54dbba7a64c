"""Which people hold an account in which system, and the ids those systems gave them.

Sources refer to each other's ids (Klaviyo's ``external_id`` is the Shopify customer id, a web
login carries it too, Klaviyo properties carry the CRM number), so accounts are drawn once, here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cdpo.samples.people import Population, ulids
from cdpo.samples.times import INC_END, digits

SHOPIFY_RATE = 0.55
"""Share of people with a Shopify customer account."""
SHOPIFY_DUPLICATE_RATE = 0.05
"""Share of Shopify customers who open a second account later (another email, guest upgrade)."""
KLAVIYO_RATE = 0.65
"""Share of people with a Klaviyo profile."""
CRM_RATE = 0.35
"""Share of people in the CRM loyalty programme (and so in the POS export)."""
_SHOPIFY_ID_BASE = 6_100_000_000_000
_SHOPIFY_ID_STEP = 1_009


@dataclass(frozen=True)
class Accounts:
    """Per system: the owner (person index), the id, and the creation time of each account."""

    shopify_person: np.ndarray
    shopify_id: np.ndarray
    shopify_created: np.ndarray
    klaviyo_person: np.ndarray
    klaviyo_id: np.ndarray
    klaviyo_created: np.ndarray
    crm_person: np.ndarray
    crm_no: np.ndarray
    crm_created: np.ndarray
    shopify_of: np.ndarray
    """Each person's first Shopify customer id, or -1."""
    crm_of: np.ndarray
    """Each person's CRM customer number, or ""."""


def draw_accounts(rng: np.random.Generator, pop: Population) -> Accounts:
    """Draw every system's accounts for the population."""
    shop_person, shop_created = _members(rng, pop, SHOPIFY_RATE)
    again = rng.random(len(shop_person)) < SHOPIFY_DUPLICATE_RATE
    second = rng.integers(shop_created[again], INC_END)
    shop_created = np.concatenate([shop_created, second])
    order = np.argsort(shop_created, kind="stable")
    shop_person = np.concatenate([shop_person, shop_person[again]])[order]
    shop_created = shop_created[order]
    shop_id = _SHOPIFY_ID_BASE + np.arange(len(shop_person), dtype=np.int64) * _SHOPIFY_ID_STEP
    shopify_of = np.full(pop.size, -1, dtype=np.int64)
    earliest = np.unique(shop_person, return_index=True)[1]  # accounts are sorted by creation
    shopify_of[shop_person[earliest]] = shop_id[earliest]
    kla_person, kla_created = _members(rng, pop, KLAVIYO_RATE)
    crm_person, crm_created = _members(rng, pop, CRM_RATE)
    crm_no = np.strings.add("L", digits(rng.permutation(len(crm_person)) + 10_000_001, 8))
    crm_of = np.full(pop.size, "", dtype=crm_no.dtype)
    crm_of[crm_person] = crm_no
    return Accounts(
        shopify_person=shop_person,
        shopify_id=shop_id,
        shopify_created=shop_created,
        klaviyo_person=kla_person,
        klaviyo_id=ulids(rng, len(kla_person), kla_created),
        klaviyo_created=kla_created,
        crm_person=crm_person,
        crm_no=crm_no,
        crm_created=crm_created,
        shopify_of=shopify_of,
        crm_of=crm_of,
    )


def _members(
    rng: np.random.Generator, pop: Population, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """People who join a system (share ``rate``) and when, sorted by joining time."""
    person = np.flatnonzero(rng.random(pop.size) < rate)
    created = rng.integers(pop.first_seen[person], INC_END)
    order = np.argsort(created, kind="stable")
    return person[order], created[order]
