"""Phone numbers of the demo population: unique national numbers per country, and their spellings.

A phone is a (country, national significant number) pair, unique across the population (household
members share their landline on purpose). Each record spells it in one of its country's formats, so
the same number appears as ``(212) 555-0134``, ``+1 212 555 0134`` and ``2125550134`` in different
sources, as it does in real CDPs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Country:
    """A country's numbering plan, as far as the demo needs it.

    ``formats`` use ``X`` for each digit of the national significant number, in order; every other
    character is written as is (``0`` is the trunk prefix).
    """

    code: str
    calling_code: str
    nsn_length: int
    prefixes: tuple[str, ...]
    formats: tuple[str, ...]
    weight: float


_NANP = (
    "(XXX) XXX-XXXX",
    "XXX-XXX-XXXX",
    "XXX.XXX.XXXX",
    "+1 XXX XXX XXXX",
    "1XXXXXXXXXX",
    "XXXXXXXXXX",
    "+1XXXXXXXXXX",
)
COUNTRIES: tuple[Country, ...] = (
    Country("US", "1", 10, ("212", "415", "312", "617", "206", "303", "512", "404"), _NANP, 0.55),
    Country("CA", "1", 10, ("416", "604", "514"), _NANP[:4], 0.08),
    Country("GB", "44", 10, ("7700", "7911", "7400"), ("+44 XXXX XXXXXX", "0XXXX XXXXXX"), 0.10),
    Country("DE", "49", 11, ("151", "160", "171"), ("+49 XXX XXXXXXXX", "0XXX XXXXXXXX"), 0.06),
    Country("FR", "33", 9, ("6", "7"), ("+33 X XX XX XX XX", "0X XX XX XX XX"), 0.05),
    Country("JP", "81", 10, ("90", "80", "70"), ("+81 XX-XXXX-XXXX", "0XX-XXXX-XXXX"), 0.05),
    Country("AU", "61", 9, ("4",), ("+61 XXX XXX XXX", "0XXX XXX XXX"), 0.05),
    Country("MX", "52", 10, ("55", "33", "81"), ("+52 XX XXXX XXXX", "XX XXXX XXXX"), 0.03),
    Country("BR", "55", 11, ("119", "219", "319"), ("+55 XX XXXXX-XXXX", "(XX) XXXXX-XXXX"), 0.03),
)
"""Countries of the demo population, with their numbering plans and the population share."""
TIMEZONES: dict[str, str] = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "GB": "Europe/London",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "JP": "Asia/Tokyo",
    "AU": "Australia/Sydney",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
}
_MULTIPLIER = 7_654_321  # coprime with 10, so x -> a*x mod 10^k is a bijection on k digits


def national_numbers(country: np.ndarray) -> np.ndarray:
    """One unique national significant number per entry of ``country`` (indices into COUNTRIES).

    Numbers are unique within each country: the i-th phone of a country gets prefix ``i % p`` and
    subscriber digits ``(a * i + b) mod 10^k``, a bijection on k digits since ``a`` is coprime
    with 10.
    """
    out = np.empty(len(country), dtype=object)
    for index, spec in enumerate(COUNTRIES):
        where = np.flatnonzero(country == index)
        if not len(where):
            continue
        rank = np.arange(len(where), dtype=np.int64)
        prefix = np.array(spec.prefixes)[rank % len(spec.prefixes)]
        width = spec.nsn_length - len(spec.prefixes[0])
        if len(where) >= 10**width:
            raise ValueError(f"too many phones for {spec.code}: {len(where)}")
        subscriber = (rank * _MULTIPLIER + 3_141_593) % 10**width
        digits = np.strings.zfill(subscriber.astype(str), width)
        out[where] = np.strings.add(prefix, digits)
    return out.astype(str)


def render(rng: np.random.Generator, country: np.ndarray, nsn: np.ndarray) -> np.ndarray:
    """Spell each number in a format of its country, drawn uniformly."""
    out = np.empty(len(nsn), dtype=object)
    draw = rng.random(len(nsn))
    for index, spec in enumerate(COUNTRIES):
        in_country = country == index
        pick = (draw * len(spec.formats)).astype(int)
        for f, template in enumerate(spec.formats):
            where = np.flatnonzero(in_country & (pick == f))
            if len(where):
                out[where] = _spell(template, nsn[where])
    return out.astype(str)


def e164(country: np.ndarray, nsn: np.ndarray) -> np.ndarray:
    """The E.164 spelling (``+14155550134``), as Klaviyo stores phone numbers."""
    calling = np.array(["+" + c.calling_code for c in COUNTRIES])[country]
    return np.strings.add(calling, nsn)


def _spell(template: str, digits: np.ndarray) -> np.ndarray:
    """Fill a template's ``X`` slots with the digits, left to right (vectorised per run of X)."""
    out = np.full(len(digits), "", dtype=str)
    position = 0
    for run in re.findall(r"X+|[^X]+", template):
        if run[0] == "X":
            run_digits = np.strings.slice(digits, position, position + len(run))
            out = np.strings.add(out, run_digits)
            position += len(run)
        else:
            out = np.strings.add(out, run)
    return out
