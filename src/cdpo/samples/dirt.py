"""The dirt the demo data carries: every rate, token and spelling in one place, and the functions
that apply them to clean values.

Rates are per value written (a row's column, not a person): a test reads the written files back and
checks each rate within a tolerance. The dirt is chosen to exercise the staging rules of
spec-staging-unification.md §1.3 (TRIM/UPPER, null tokens, email regex, 10-digit phones, the date
parser chain, boolean spellings, JSON extraction) and the key filters of §2-§3 (``invalid_texts``).
"""

from __future__ import annotations

import re

import numpy as np

# -- null tokens: what a CRM, a CSV export or an API writes for "no value" -----------------------
NULL_TOKENS: tuple[str, ...] = ("", "NA", "N/A", "null", "None", "-")
"""Spellings of "no value", drawn uniformly. A real null (JSON ``null``, an empty CSV field) means
"not given" and is not counted as a null token."""
NULL_RATE = 0.05
"""Share of optional values (emails, phones; CRM names, dates, gender) written as a null token."""

# -- emails ----------------------------------------------------------------------------------------
EMAIL_REGEX = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
"""The staging validity test (spec §1.3), applied to ``TRIM(LOWER(email))``."""
JUNK_EMAILS: tuple[str, ...] = (
    "test@test.com",
    "noreply@example.com",
    "no-reply@shop.com",
    "none@none.com",
    "a@a.com",
)
"""Placeholders many unrelated people type or systems fill in: valid-looking, shared, never a person's."""
EMAIL_JUNK_RATE = 0.015
"""Share of email values (not null) replaced by a junk email."""
EMAIL_INVALID_RATE = 0.02
"""Share of email values (not null, not junk) broken so they fail ``EMAIL_REGEX``."""
EMAIL_CASE_RATE = 0.15
"""Share of non-null, non-junk email values written in upper or title case."""
EMAIL_SPACE_RATE = 0.05
"""Share of non-null, non-junk email values with leading or trailing spaces."""

# -- phones ----------------------------------------------------------------------------------------
JUNK_PHONES: tuple[str, ...] = ("0000000000", "1234567890", "9999999999", "unknown")
"""Placeholder phones shared by many unrelated people."""
PHONE_JUNK_RATE = 0.02
"""Share of phone values (not null) replaced by a junk phone."""
# The national formats come from phones.COUNTRIES; each value's format is drawn uniformly among its
# country's formats, so one person's number shows up in several spellings across sources.

# -- names (CRM) -----------------------------------------------------------------------------------
NAME_UPPER_RATE = 0.2
"""Share of CRM names typed in capitals (the rest are capitalised)."""
NAME_SPACE_RATE = 0.1
"""Share of CRM names with a trailing space."""

# -- booleans, dates, arrival ----------------------------------------------------------------------
BOOL_SPELLINGS: dict[bool, tuple[str, ...]] = {
    True: ("true", "TRUE", "True", "1", "yes", "Y"),
    False: ("false", "FALSE", "False", "0", "no", "N"),
}
"""Booleans as strings, as CSV exports and connectors write them; spelling drawn uniformly."""
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%m/%d/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y")
"""Formats of free date columns (birth, signup dates), drawn with ``DATE_FORMAT_WEIGHTS``."""
DATE_FORMAT_WEIGHTS: tuple[float, ...] = (0.5, 0.2, 0.15, 0.1, 0.05)
TRANSACTION_TIME_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S{offset}",
    "%Y-%m-%dT%H:%M:%SZ",
    "%m/%d/%Y %H:%M:%S",
)
"""POS transaction times: store-local with its offset (``{offset}``), UTC (a format ending in
``Z``), or store-local without a zone."""
TRANSACTION_TIME_WEIGHTS: tuple[float, ...] = (0.6, 0.25, 0.15)
LATE_ROW_RATE = 0.02
"""Share of rows that arrive 5-40 days after their event time (so they miss the extract they
belong to by time and land in the incremental one)."""
OVERLAP_DAYS = 3
"""The incremental extract starts this many days before the historical one ends."""
UPDATE_RATE = 0.35
"""Share of profile records (customers, profiles, CRM members) updated once after creation."""


def given(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``mask``, a real null elsewhere ("not given"); returns an object array."""
    out = np.asarray(values, dtype=object).copy()
    out[~np.asarray(mask, dtype=bool)] = None
    return out


def null_token_mask(rng: np.random.Generator, n: int, rate: float = NULL_RATE) -> np.ndarray:
    """A boolean mask choosing which of ``n`` values become null tokens."""
    return rng.random(n) < rate


def apply_null_tokens(rng: np.random.Generator, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Replace ``values[mask]`` by a null token, uniformly; returns an object array."""
    out = values.astype(object)
    choices = np.array(NULL_TOKENS, dtype=object)
    out[mask] = choices[rng.integers(0, len(choices), int(mask.sum()))]
    return out


def dirty_emails(rng: np.random.Generator, clean: np.ndarray) -> np.ndarray:
    """Apply the email dirt to clean lowercase emails; returns an object array.

    Categories are exclusive in this order: null token, junk, then (for the rest) invalid; case and
    spaces are applied independently to every non-null, non-junk value.
    """
    n = len(clean)
    out = np.asarray(clean, dtype=str)
    draw = rng.random(n)
    is_null = draw < NULL_RATE
    is_junk = ~is_null & (rng.random(n) < EMAIL_JUNK_RATE)
    is_real = ~is_null & ~is_junk
    out = np.where(is_real & (rng.random(n) < EMAIL_INVALID_RATE), _break_emails(rng, out), out)
    cased = is_real & (rng.random(n) < EMAIL_CASE_RATE)
    upper = rng.random(n) < 0.5
    out = np.where(cased & upper, np.strings.upper(out), out)
    out = np.where(cased & ~upper, np.strings.title(out), out)
    spaced = is_real & (rng.random(n) < EMAIL_SPACE_RATE)
    lead = rng.random(n) < 0.5
    out = np.where(spaced & lead, np.strings.add(" ", out), out)
    out = np.where(spaced & ~lead, np.strings.add(out, "  "), out)
    junk = np.array(JUNK_EMAILS)[rng.integers(0, len(JUNK_EMAILS), n)]
    out = np.where(is_junk, junk, out)
    return apply_null_tokens(rng, out, is_null)


def _break_emails(rng: np.random.Generator, emails: np.ndarray) -> np.ndarray:
    """Five ways people and forms break an address: no @, double @, no TLD, comma, trailing dot."""
    kind = rng.integers(0, 5, len(emails))
    broken = np.where(kind == 0, np.strings.replace(emails, "@", ""), emails)
    broken = np.where(kind == 1, np.strings.replace(emails, "@", "@@"), broken)
    no_tld = np.strings.rpartition(emails, ".")[0]
    broken = np.where(kind == 2, no_tld, broken)
    broken = np.where(kind == 3, np.strings.replace(emails, ".", ",", 1), broken)
    return np.where(kind == 4, np.strings.add(emails, "."), broken)


def dirty_phones(rng: np.random.Generator, rendered: np.ndarray) -> np.ndarray:
    """Replace rendered phones by null tokens and junk phones at their rates; object array."""
    n = len(rendered)
    is_null = rng.random(n) < NULL_RATE
    is_junk = ~is_null & (rng.random(n) < PHONE_JUNK_RATE)
    junk = np.array(JUNK_PHONES)[rng.integers(0, len(JUNK_PHONES), n)]
    out = np.where(is_junk, junk, np.asarray(rendered, dtype=str))
    return apply_null_tokens(rng, out, is_null)


def bool_strings(rng: np.random.Generator, flags: np.ndarray) -> np.ndarray:
    """Spell each boolean as one of ``BOOL_SPELLINGS``, uniformly."""
    n = len(flags)
    pick = rng.integers(0, len(BOOL_SPELLINGS[True]), n)
    return np.where(
        flags, np.array(BOOL_SPELLINGS[True])[pick], np.array(BOOL_SPELLINGS[False])[pick]
    )


def weighted_choice(rng: np.random.Generator, n: int, weights: tuple[float, ...]) -> np.ndarray:
    """``n`` indices drawn with the given weights (they need not sum to 1)."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def is_null_token(value: object) -> bool:
    """Whether a value read back from a file is a null token (a real null is not one)."""
    return value in NULL_TOKENS


def email_kind(value: object) -> str:
    """Classify a written email value: 'absent' (a real null), 'null' (a null token), 'junk',
    'invalid' or 'valid' (after trim/lower)."""
    if value is None:
        return "absent"
    if is_null_token(value):
        return "null"
    text = str(value).strip().lower()
    if text in JUNK_EMAILS:
        return "junk"
    return "valid" if EMAIL_REGEX.match(text) else "invalid"
