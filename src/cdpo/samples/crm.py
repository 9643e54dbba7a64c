"""The CRM loyalty export and the POS transactions, as CSV files picked up by ``sftp_v2``.

This is the dirtiest source, like the real ones: names in any case with stray spaces, null tokens
everywhere, two phone columns in national formats, dates in five formats, opt-ins spelled a dozen
ways, transaction times in store-local time with or without a zone, and JSON in a CSV column.
"""

from __future__ import annotations

import numpy as np

from cdpo.samples import dirt, phones
from cdpo.samples.accounts import Accounts
from cdpo.samples.frame import Frame, arrivals, occurrences, select, versions, with_extracts
from cdpo.samples.people import Population, phone_at, pick
from cdpo.samples.times import digits, local_offsets, offset_text, strftime

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MOBILE_GIVEN_RATE = 0.7
TRANSACTIONS_PER_MEMBER = 2.3
CARD_SCANNED_RATE = 0.85
"""Share of POS transactions where the loyalty card was scanned (``customer_no`` filled)."""
PHONE_AT_TILL_RATE = 0.1
"""Share of POS transactions where the cashier typed the customer's phone."""
CURRENCIES = ("USD", "CAD", "GBP", "EUR", "EUR", "JPY", "AUD", "MXN", "BRL")


def customers_frame(rng: np.random.Generator, pop: Population, acc: Accounts) -> Frame:
    """Loyalty members, one row at sign-up and one per later update."""
    index, when = versions(rng, acc.crm_created)
    person = acc.crm_person[index]
    n = len(index)
    home = phone_at(rng, pop, person, when, landline=1.0)
    mobile = pick(pop.mobile_since, pop.mobiles, person, when)
    has_mobile = (rng.random(len(acc.crm_person)) < MOBILE_GIVEN_RATE)[index]
    columns = {
        "customer_no": acc.crm_no[index],
        "first_name": _names(rng, pop.first_name[person]),
        "last_name": _names(rng, pop.last_name[person]),
        "email": dirt.dirty_emails(rng, pick(pop.email_since, pop.emails, person, when)),
        "phone": _phones(rng, pop, person, home),
        "mobile": dirt.given(has_mobile, _phones(rng, pop, person, mobile)),
        "birth_date": _dates(rng, _epoch(pop.birth_date[person])),
        "gender": _gender(rng, pop.gender[person]),
        "email_opt_in": dirt.bool_strings(rng, rng.random(n) < 0.6),
        "sms_opt_in": dirt.bool_strings(rng, rng.random(n) < 0.3),
        "signup_date": _dates(rng, acc.crm_created[index]),
        "store_id": _store(pop.country[person], person),
        "country": np.array([c.code for c in phones.COUNTRIES])[pop.country[person]],
        "last_updated": strftime(when, TIME_FORMAT),
        "_record": index,
        "_person": person,
        "_arrival": arrivals(rng, when),
    }
    names = [name for name in columns if not name.startswith("_")]
    return Frame(
        source="crm",
        connector="sftp_v2",
        object="customers",
        format="csv",
        record_id="customer_no",
        incremental_field="last_updated",
        time_field="last_updated",
        time_format=TIME_FORMAT,
        identifiers={
            "customer_no": "crm_customer_no",
            "email": "email",
            "phone": "phone",
            "mobile": "phone",
        },
        columns=with_extracts(columns),
        select=select(*names),
    )


def transactions_frame(rng: np.random.Generator, pop: Population, acc: Accounts) -> Frame:
    """Till receipts of loyalty members; the card is not always scanned."""
    owner, when = occurrences(rng, acc.crm_person, acc.crm_created, TRANSACTIONS_PER_MEMBER)
    person = acc.crm_person[owner]
    n = len(person)
    arrival = arrivals(rng, when)
    typed = rng.random(n) < PHONE_AT_TILL_RATE
    mobile = pick(pop.mobile_since, pop.mobiles, person, when)
    columns = {
        "transaction_id": np.strings.add("T", digits(rng.permutation(n) + 3_000_000_000, 10)),
        "customer_no": np.where(rng.random(n) < CARD_SCANNED_RATE, acc.crm_no[owner], ""),
        "phone": dirt.given(typed, _phones(rng, pop, person, mobile)),
        "store_id": _store(pop.country[person], person),
        "transaction_time": _till_times(rng, when, pop.country[person]),
        "amount": np.round(rng.gamma(2.0, 25.0, n) + 1, 2),
        "currency": np.array(CURRENCIES)[pop.country[person]],
        "_sku": rng.integers(1, 7, n),
        "_quantity": rng.integers(1, 4, n),
        "export_time": strftime(arrival, TIME_FORMAT),
        "_record": np.arange(n, dtype=np.int64),
        "_person": person,
        "_arrival": arrival,
    }
    items = (
        "json_array(json_object('sku', 'SKU-' || CAST(_sku AS VARCHAR), 'qty', _quantity, "
        "'unit_price', round(amount / _quantity, 2)))"
    )
    return Frame(
        source="crm",
        connector="sftp_v2",
        object="transactions",
        format="csv",
        record_id="transaction_id",
        incremental_field="export_time",
        time_field="export_time",
        time_format=TIME_FORMAT,
        identifiers={"customer_no": "crm_customer_no", "phone": "phone"},
        columns=with_extracts(columns),
        select=select(
            *("transaction_id", "customer_no", "phone", "store_id", "transaction_time"),
            *(("amount", "printf('%.2f', amount)"), "currency", ("items", items), "export_time"),
        ),
        json_columns=("items",),
    )


def _names(rng: np.random.Generator, names: np.ndarray) -> np.ndarray:
    """Names as typed at a till: capitalised, or in capitals, sometimes with a trailing space."""
    n = len(names)
    out = np.where(
        rng.random(n) < dirt.NAME_UPPER_RATE, np.strings.upper(names), np.strings.capitalize(names)
    )
    out = np.where(rng.random(n) < dirt.NAME_SPACE_RATE, np.strings.add(out, " "), out)
    return dirt.apply_null_tokens(rng, out, dirt.null_token_mask(rng, n))


def _phones(
    rng: np.random.Generator, pop: Population, person: np.ndarray, nsn: np.ndarray
) -> np.ndarray:
    return dirt.dirty_phones(rng, phones.render(rng, pop.country[person], nsn))


def _dates(rng: np.random.Generator, epoch: np.ndarray) -> np.ndarray:
    """Dates in ``DATE_FORMATS`` (drawn by weight), with null tokens."""
    n = len(epoch)
    which = dirt.weighted_choice(rng, n, dirt.DATE_FORMAT_WEIGHTS)
    out = np.empty(n, dtype=object)
    for index, fmt in enumerate(dirt.DATE_FORMATS):
        where = np.flatnonzero(which == index)
        out[where] = strftime(epoch[where], fmt)
    return dirt.apply_null_tokens(rng, out, dirt.null_token_mask(rng, n))


def _till_times(rng: np.random.Generator, epoch: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Transaction times in ``TRANSACTION_TIME_FORMATS``, in the store's time zone unless UTC."""
    which = dirt.weighted_choice(rng, len(epoch), dirt.TRANSACTION_TIME_WEIGHTS)
    offsets = np.zeros(len(epoch), dtype=np.int64)
    for index, spec in enumerate(phones.COUNTRIES):
        where = np.flatnonzero(country == index)
        offsets[where] = local_offsets(epoch[where], phones.TIMEZONES[spec.code])
    out = np.empty(len(epoch), dtype=object)
    for index, fmt in enumerate(dirt.TRANSACTION_TIME_FORMATS):
        where = np.flatnonzero(which == index)
        local = None if fmt.endswith("Z") else offsets[where]
        text = strftime(epoch[where], fmt.replace("{offset}", ""), local)
        if "{offset}" in fmt:
            text = np.strings.add(text, offset_text(offsets[where]))
        out[where] = text
    return out


def _gender(rng: np.random.Generator, gender: np.ndarray) -> np.ndarray:
    """M/F/X, sometimes spelled out or lowercase, sometimes a null token."""
    spelled = np.where(gender == "F", "Female", np.where(gender == "M", "Male", "Other"))
    out = np.where(rng.random(len(gender)) < 0.2, spelled, gender)
    out = np.where(rng.random(len(gender)) < 0.1, np.strings.lower(out), out)
    return dirt.apply_null_tokens(rng, out, dirt.null_token_mask(rng, len(gender)))


def _store(country: np.ndarray, person: np.ndarray) -> np.ndarray:
    """A member's home store: ``S`` + country number + one of four stores."""
    return np.strings.add("S", digits(country * 10 + person % 4 + 1, 3))


def _epoch(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[s]").astype(np.int64)
