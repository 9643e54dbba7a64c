"""The true people behind the demo data: households, names, and identifiers that change over time.

Every source record is drawn from a person of this population; the person's id is the truth the
identity-quality check compares unification results with. Identifiers are unique per person by
construction (the person number is part of each email, phone numbers are enumerated per country),
except what real life shares on purpose: a household's landline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cdpo.samples.phones import COUNTRIES, national_numbers
from cdpo.samples.times import DAY, INC_END, START, text_from_codes

NEVER = np.iinfo(np.int64).max

MAX_EMAILS, MAX_MOBILES, MAX_COOKIES = 3, 2, 4
_EMAIL_COUNT_P = (0.55, 0.30, 0.15)
_MOBILE_COUNT_P = (0.75, 0.25)
_COOKIE_COUNT_P = (0.10, 0.40, 0.30, 0.15, 0.05)
_HOUSEHOLD_SIZE_P = (0.45, 0.30, 0.15, 0.10)
LANDLINE_RATE = 0.65
"""Share of households with a landline, which every member may give as their phone."""

# fmt: off
FIRST_NAMES = np.array([
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william",
    "elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah",
    "charles", "karen", "daniel", "nancy", "matthew", "lisa", "anthony", "betty", "mark",
    "sandra", "paul", "ashley", "steven", "emily", "andrew", "kimberly", "kenji", "yuki",
    "hiroshi", "sakura", "lukas", "emma", "leon", "mia", "hugo", "chloe", "lucas", "camila",
    "mateo", "sofia", "oliver", "amelia", "jack", "olivia", "noah", "isla", "liam", "ava",
    "ethan", "grace"
])
LAST_NAMES = np.array([
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
    "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor",
    "moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez",
    "clark", "ramirez", "lewis", "robinson", "walker", "young", "allen", "king", "wright",
    "scott", "torres", "nguyen", "hill", "flores", "green", "adams", "nelson", "baker", "hall",
    "rivera", "campbell", "mitchell", "carter", "roberts", "tanaka", "suzuki", "sato", "muller",
    "schmidt", "schneider", "dubois", "moreau", "silva", "santos"
])
EMAIL_DOMAINS = np.array([
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com",
    "proton.me", "gmx.de", "orange.fr", "web.de", "live.com", "mail.com"
])
"""Single-dot domains only, so a broken email without its TLD never becomes valid again."""
# fmt: on


@dataclass(frozen=True)
class Population:
    """The true people: one row per person in every array (2-D arrays hold up to K identifiers).

    ``*_since`` give the instant (epoch seconds) each identifier comes into use; ``NEVER`` marks
    an unused slot. A record at time t uses the latest identifier whose ``since`` is <= t.
    """

    person: np.ndarray
    household: np.ndarray
    country: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    gender: np.ndarray
    birth_date: np.ndarray
    first_seen: np.ndarray
    emails: np.ndarray
    email_since: np.ndarray
    mobiles: np.ndarray
    mobile_since: np.ndarray
    home_phone: np.ndarray
    cookies: np.ndarray
    cookie_since: np.ndarray

    @property
    def size(self) -> int:
        return len(self.person)


def build_population(rng: np.random.Generator, people: int) -> Population:
    """Draw ``people`` persons grouped in households, with their identifiers over time."""
    household = _households(rng, people)
    country = rng.choice(len(COUNTRIES), size=household[-1] + 1, p=_country_p())[household]
    first_seen = rng.integers(START, INC_END - 30 * DAY, people)
    first = FIRST_NAMES[rng.integers(0, len(FIRST_NAMES), people)]
    family = LAST_NAMES[rng.integers(0, len(LAST_NAMES), household[-1] + 1)][household]
    last = np.where(
        rng.random(people) < 0.15, LAST_NAMES[rng.integers(0, len(LAST_NAMES), people)], family
    )
    mobiles, landline = _phones(country, household, rng.random(household[-1] + 1) < LANDLINE_RATE)
    return Population(
        person=np.arange(people, dtype=np.int64),
        household=household,
        country=country,
        first_name=first,
        last_name=last,
        gender=np.array(["F", "M", "X"])[rng.choice(3, size=people, p=(0.5, 0.47, 0.03))],
        birth_date=np.datetime64("1950-01-01") + rng.integers(0, 55 * 365, people),
        first_seen=first_seen,
        emails=_emails(rng, first, last),
        email_since=_since(rng, first_seen, _EMAIL_COUNT_P),
        mobiles=mobiles,
        mobile_since=_since(rng, first_seen, _MOBILE_COUNT_P),
        home_phone=landline,
        cookies=uuids(rng, people * MAX_COOKIES).reshape(people, MAX_COOKIES),
        cookie_since=_since(rng, first_seen, _COOKIE_COUNT_P, allow_none=True),
    )


def pick(since: np.ndarray, values: np.ndarray, person: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The identifier each ``person`` uses at time ``t``: the latest one with ``since <= t``.

    Returns "" where the person has none yet (only possible for ``allow_none`` identifiers).
    """
    count = (since[person] <= t[:, None]).sum(axis=1)
    chosen = values[person, np.maximum(count - 1, 0)]
    return np.where(count > 0, chosen, "")


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random version-4 UUID strings (lowercase hex, dashed), as td_client_id cookies are."""
    hexes = np.frombuffer(b"0123456789abcdef", np.uint8).astype(np.int32)
    codes = hexes[rng.integers(0, 16, (n, 36), dtype=np.int8)]
    codes[:, [8, 13, 18, 23]] = ord("-")
    codes[:, 14] = ord("4")
    codes[:, 19] = hexes[8 + rng.integers(0, 4, n)]  # RFC 9562 variant bits: 8, 9, a or b
    return text_from_codes(codes)


def ulids(rng: np.random.Generator, n: int, at: np.ndarray) -> np.ndarray:
    """``n`` ULID-shaped ids (26 Crockford base-32 characters, time first), as Klaviyo's ids are."""
    alphabet = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", np.uint8).astype(np.int32)
    millis = np.asarray(at, dtype=np.int64) * 1000
    shifts = np.arange(45, -1, -5, dtype=np.int64)
    head = alphabet[(millis[:, None] >> shifts) & 31]
    tail = alphabet[rng.integers(0, 32, (n, 16), dtype=np.int8)]
    return text_from_codes(np.hstack([head, tail]))


def _households(rng: np.random.Generator, people: int) -> np.ndarray:
    """Household id of each person, households of 1-4 consecutive people."""
    sizes = rng.choice(np.arange(1, 5), size=people, p=_HOUSEHOLD_SIZE_P)
    return np.repeat(np.arange(people, dtype=np.int64), sizes)[:people]


def _country_p() -> np.ndarray:
    weights = np.array([c.weight for c in COUNTRIES])
    return weights / weights.sum()


def _since(
    rng: np.random.Generator,
    first_seen: np.ndarray,
    count_p: tuple[float, ...],
    *,
    allow_none: bool = False,
) -> np.ndarray:
    """When each of a person's identifiers comes into use; the first from the start of time."""
    n, k = len(first_seen), len(count_p) - (1 if allow_none else 0)
    counts = rng.choice(len(count_p), size=n, p=count_p) + (0 if allow_none else 1)
    since = np.sort(rng.integers(first_seen[:, None], INC_END, (n, k)), axis=1)
    if not allow_none:
        since[:, 0] = 0
    return np.where(np.arange(k) < counts[:, None], since, NEVER)


def _emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Clean lowercase emails, unique per person: ``<name part><person number><slot letter>``."""
    n = len(first)
    number = np.arange(n).astype(str)
    initial = np.strings.slice(first, 0, 1)
    out = np.empty((n, MAX_EMAILS), dtype=object)
    for slot in range(MAX_EMAILS):
        patterns = (
            np.strings.add(np.strings.add(first, "."), last),
            np.strings.add(initial, last),
            first,
            np.strings.add(np.strings.add(last, "_"), first),
        )
        which = rng.integers(0, len(patterns), n)
        local = np.choose(which, patterns)
        local = np.strings.add(np.strings.add(local, number), "" if slot == 0 else "abc"[slot])
        domain = EMAIL_DOMAINS[rng.integers(0, len(EMAIL_DOMAINS), n)]
        out[:, slot] = np.strings.add(np.strings.add(local, "@"), domain)
    return out.astype(str)


def _phones(
    country: np.ndarray, household: np.ndarray, has_landline: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every mobile slot's number and each person's household landline ("" when none).

    Mobiles and landlines are numbered in one call, so no landline can equal anybody's mobile.
    Unused mobile slots get a number too; it is never written.
    """
    n = len(country)
    heads = np.unique(household, return_index=True)[1]
    numbers = national_numbers(np.concatenate([np.repeat(country, MAX_MOBILES), country[heads]]))
    mobiles = numbers[: n * MAX_MOBILES].reshape(n, MAX_MOBILES)
    landline = np.where(has_landline, numbers[n * MAX_MOBILES :], "")[household]
    return mobiles, landline


CITIES: dict[str, tuple[str, ...]] = {
    "US": ("New York", "San Francisco", "Chicago"),
    "CA": ("Toronto", "Vancouver", "Montreal"),
    "GB": ("London", "Manchester", "Leeds"),
    "DE": ("Berlin", "Hamburg", "München"),
    "FR": ("Paris", "Lyon", "Marseille"),
    "JP": ("Tokyo", "Osaka", "Yokohama"),
    "AU": ("Sydney", "Melbourne", "Brisbane"),
    "MX": ("Ciudad de México", "Guadalajara", "Monterrey"),
    "BR": ("São Paulo", "Rio de Janeiro", "Belo Horizonte"),
}
"""A few cities per country, for addresses and locations."""


def cities(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    """A city in each entry's country."""
    table = np.array([list(CITIES[c.code]) for c in COUNTRIES])
    return table[country, rng.integers(0, 3, len(country))]


def phone_at(
    rng: np.random.Generator, pop: Population, person: np.ndarray, t: np.ndarray, landline: float
) -> np.ndarray:
    """The national number each person gives at time ``t``: their household landline with
    probability ``landline`` (when the household has one), else their current mobile."""
    mobile = pick(pop.mobile_since, pop.mobiles, person, t)
    home = pop.home_phone[person]
    return np.where((home != "") & (rng.random(len(person)) < landline), home, mobile)
