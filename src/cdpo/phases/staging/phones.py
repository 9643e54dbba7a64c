"""E.164 phone normalisation in SQL: digits-only preclean, then country-aware rules.

The original rule kept only North American 10-digit numbers (spec-staging-unification.md §1.3,
§6.5). Here a number written with ``+`` or ``00`` is read with its own calling code; a national
number is read in ``staging.default_country`` (its trunk prefix dropped). Each country's national
significant number (NSN) pattern comes from the ITU-T E.164 national numbering plans, reduced to
the leading-digit and length rules that separate real numbers from junk. A number that fits no rule,
or whose digits are all the same (``0000000000``), is invalid (NULL).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdpo.phases.staging.dialects import Dialect

__all__ = ["COUNTRIES", "PhoneCountry", "e164_sql", "preclean_sql"]


@dataclass(frozen=True)
class PhoneCountry:
    """A numbering plan: calling code, national trunk prefix ('' if none), NSN regex."""

    calling_code: str
    trunk: str
    nsn: str


COUNTRIES: dict[str, PhoneCountry] = {
    "US": PhoneCountry("1", "", "[2-9][0-9]{9}"),
    "CA": PhoneCountry("1", "", "[2-9][0-9]{9}"),
    "GB": PhoneCountry("44", "0", "[1-9][0-9]{8,9}"),
    "DE": PhoneCountry("49", "0", "[1-9][0-9]{6,11}"),
    "FR": PhoneCountry("33", "0", "[1-9][0-9]{8}"),
    "ES": PhoneCountry("34", "", "[6-9][0-9]{8}"),
    "NL": PhoneCountry("31", "0", "[1-9][0-9]{8}"),
    "JP": PhoneCountry("81", "0", "[1-9][0-9]{8,9}"),
    "AU": PhoneCountry("61", "0", "[1-9][0-9]{8}"),
    "IN": PhoneCountry("91", "0", "[1-9][0-9]{9}"),
    "MX": PhoneCountry("52", "", "[1-9][0-9]{9}"),
    "BR": PhoneCountry("55", "0", "[1-9][0-9]{9,10}"),
}
"""Supported countries (ISO 3166 alpha-2) for national numbers and known calling codes."""

_ANY_INTERNATIONAL = "[1-9][0-9]{7,14}"
"""E.164 allows at most 15 digits; a calling code we do not list is accepted on length alone."""
_REPEATED = "^(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$"


def preclean_sql(d: Dialect, value: str) -> str:
    """Digits only; '' and '0' become NULL (spec §1.3 ``phone_number_preclean``)."""
    digits = d.digits_only(f"trim({value})")
    return f"CASE WHEN {digits} IN ('', '0') THEN NULL ELSE {digits} END"


def _plans() -> list[PhoneCountry]:
    """One plan per calling code, longest codes first (so '44' is tried before '4…')."""
    unique = {(c.calling_code, c.trunk, c.nsn): c for c in COUNTRIES.values()}
    return sorted(unique.values(), key=lambda c: -len(c.calling_code))


def _international(d: Dialect, digits: str) -> list[str]:
    """Branches over the digits of a number written with ``+`` or ``00``: each pattern allows the
    ``00`` prefix, so only the branch that matches strips it (not every test: one regex a test)."""
    stripped = f"regexp_replace({digits}, '^00', '')"
    branches = []
    for plan in _plans():
        cc = plan.calling_code
        pattern = f"^(00)?{cc}{plan.nsn}$"
        branches.append(f"WHEN {d.matches(digits, pattern)} THEN concat('+', {stripped})")
        if plan.trunk:  # '+44 (0)20 …': the trunk prefix written after the calling code
            rest = f"substr({stripped}, {len(cc) + len(plan.trunk) + 1})"
            pattern = f"^(00)?{cc}{plan.trunk}{plan.nsn}$"
            branches.append(f"WHEN {d.matches(digits, pattern)} THEN concat('+', '{cc}', {rest})")
    pattern = f"^(00)?{_ANY_INTERNATIONAL}$"
    branches.append(f"WHEN {d.matches(digits, pattern)} THEN concat('+', {stripped})")
    return branches


def _national(d: Dialect, digits: str, country: str) -> list[str]:
    plan = COUNTRIES[country]
    cc, trunk = plan.calling_code, plan.trunk
    branches = []
    if trunk:
        rest = f"substr({digits}, {len(trunk) + 1})"
        branches.append(
            f"WHEN {d.matches(digits, f'^{trunk}{plan.nsn}$')} THEN concat('+', '{cc}', {rest})"
        )
    branches.append(f"WHEN {d.matches(digits, f'^{plan.nsn}$')} THEN concat('+', '{cc}', {digits})")
    # The calling code typed without '+' (US '1 415 …'): accepted when the rest is a valid NSN.
    branches.append(f"WHEN {d.matches(digits, f'^{cc}{plan.nsn}$')} THEN concat('+', {digits})")
    return branches


def e164_sql(d: Dialect, value: str, digits: str, country: str) -> str:
    """The E.164 spelling (``+442079460000``) of the phone ``value``, or NULL.

    ``value`` is the trimmed column (its ``+`` matters), ``digits`` its ``preclean_sql``;
    ``country`` is the default country.
    """
    international = f"(substr(trim({value}), 1, 1) = '+' OR substr({digits}, 1, 2) = '00')"
    intl = "\n        ".join(_international(d, digits))
    national = "\n        ".join(_national(d, digits, country))
    # Indented for a SELECT list item (4 spaces), as the date cascade is.
    return (
        f"CASE WHEN {digits} IS NULL OR {d.matches(digits, _REPEATED)} THEN NULL\n"
        f"      WHEN {international} THEN CASE\n        {intl}\n      END\n"
        f"      ELSE CASE\n        {national}\n      END\n    END"
    )
