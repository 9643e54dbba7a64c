"""One source object's rows before they are written, and the timeline rules every source shares.

A ``Frame`` holds record versions as numpy columns: output columns, SQL expressions for the JSON
columns, and private columns (``_record``, ``_person``, ``_arrival``, ``_in_hist``, ``_in_inc``)
that say which person a row belongs to and which extract (historical, incremental, both) it lands
in. Rows land by *arrival* time, not event time, which is how late-arriving rows happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cdpo.samples.dirt import LATE_ROW_RATE, OVERLAP_DAYS, UPDATE_RATE
from cdpo.samples.times import DAY, HIST_END, INC_END

INC_START = HIST_END - OVERLAP_DAYS * DAY
"""The incremental extract holds rows that arrived from here to INC_END (overlapping the hist)."""


@dataclass(frozen=True)
class Frame:
    """A source object's rows and what the ``Dataset`` says about them.

    ``select`` lists the output columns in order as (name, DuckDB expression over ``columns``);
    ``identifiers`` maps each identifier column to its key kind (email, phone, td_client_id, ...).
    """

    source: str
    connector: str
    object: str
    format: str
    record_id: str
    incremental_field: str
    time_field: str
    time_format: str
    identifiers: dict[str, str]
    columns: dict[str, np.ndarray]
    select: tuple[tuple[str, str], ...]
    json_columns: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        return f"{self.source}_{self.object}"


def select(*items: str | tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """Output columns in order: a name is written as it is, a (name, expression) is computed."""
    return tuple((item, f'"{item}"') if isinstance(item, str) else item for item in items)


def sql_lookup(values: tuple[str, ...], code: str) -> str:
    """A DuckDB expression picking ``values[code]``: cheaper than shipping repeated long strings.

    Example:
        >>> sql_lookup(("a", "it's"), "_kind")
        "['a', 'it''s'][_kind + 1]"
    """
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"[{quoted}][{code} + 1]"


def arrivals(rng: np.random.Generator, event_time: np.ndarray) -> np.ndarray:
    """When each row reaches the source system's API: minutes to hours after the event, except
    ``LATE_ROW_RATE`` of rows that arrive 5 to 40 days late."""
    n = len(event_time)
    lag = rng.integers(60, 6 * 3600, n)
    late = rng.random(n) < LATE_ROW_RATE
    return event_time + np.where(late, rng.integers(5 * DAY, 40 * DAY, n), lag)


def extracts(record: np.ndarray, arrival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which rows land in the historical and in the incremental extract.

    The historical extract is a snapshot at HIST_END: the latest version of each record that had
    arrived by then. The incremental extract holds every version that arrived in
    [INC_START, INC_END): updates of historical records and exact copies from the overlap days.
    """
    in_inc = (arrival >= INC_START) & (arrival < INC_END)
    before = arrival < HIST_END
    order = np.lexsort((arrival, before, record))
    ranked_record = record[order]
    last_of_record = np.ones(len(order), dtype=bool)
    last_of_record[:-1] = ranked_record[1:] != ranked_record[:-1]
    in_hist = np.zeros(len(order), dtype=bool)
    in_hist[order] = last_of_record & before[order]
    return in_hist, in_inc


def with_extracts(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add ``_in_hist``/``_in_inc`` from ``_record`` and ``_arrival``; drop rows in neither."""
    in_hist, in_inc = extracts(columns["_record"], columns["_arrival"])
    keep = in_hist | in_inc
    out = {name: values[keep] for name, values in columns.items()}
    out["_in_hist"], out["_in_inc"] = in_hist[keep], in_inc[keep]
    return out


def versions(
    rng: np.random.Generator, created: np.ndarray, rate: float = UPDATE_RATE
) -> tuple[np.ndarray, np.ndarray]:
    """Record versions: one at creation, and for ``rate`` of records one update after it.

    Returns (index of the record each version belongs to, version time).
    """
    n = len(created)
    updated = rng.random(n) < rate
    when = rng.integers(created, np.maximum(created + 1, INC_END))
    index = np.concatenate([np.arange(n), np.flatnonzero(updated)])
    times = np.concatenate([created, when[updated]])
    order = np.lexsort((times, index))
    return index[order], times[order]


def occurrences(
    rng: np.random.Generator, who: np.ndarray, since: np.ndarray, mean: float
) -> tuple[np.ndarray, np.ndarray]:
    """Events at a constant rate while each of ``who`` is active, ``mean`` per owner on average,
    at uniform times in [since, INC_END): an owner active twice as long has twice the events.

    Returns (the index into ``who`` of each event's owner, event time), ordered by time.
    """
    span = (INC_END - since).astype(float)
    counts = rng.poisson(mean * span / max(span.mean(), 1.0)) if len(who) else np.zeros(0, int)
    owner = np.repeat(np.arange(len(who)), counts)
    start = since[owner]
    times = rng.integers(start, np.maximum(start + 1, INC_END))
    order = np.argsort(times, kind="stable")
    return owner[order], times[order]
