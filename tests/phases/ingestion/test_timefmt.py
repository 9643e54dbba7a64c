"""Load windows: monthly batches with right month lengths, shared bounds, connector formats."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest

from cdpo.phases.ingestion.families import TimeFormat
from cdpo.phases.ingestion.timefmt import first_bound, format_bound, month_ranges, session_bound


def test_months_chain_without_gaps_across_a_leap_february() -> None:
    ranges = month_ranges(date(2023, 12, 1), date(2024, 4, 1), TimeFormat.SPACE_MILLIS)
    assert [r.month_name for r in ranges] == ["2023-12", "2024-01", "2024-02", "2024-03"]
    assert ranges[2].start_time == "2024-01-31 23:59:59.999"
    assert ranges[2].end_time == "2024-02-29 23:59:59.999"
    for earlier, later in itertools.pairwise(ranges):
        assert earlier.end_time == later.start_time


def test_first_bound_includes_the_start_instant_and_last_ends_mid_month() -> None:
    ranges = month_ranges(date(2024, 1, 15), date(2024, 2, 10), TimeFormat.KLAVIYO)
    assert ranges[0].start_time == "2024-01-14T23:59:59.999999"
    assert ranges[-1].end_time == "2024-02-09T23:59:59.999999"
    assert first_bound(date(2024, 3, 1), TimeFormat.ISO_MILLIS_Z) == "2024-02-29T23:59:59.999Z"


def test_a_year_of_months_in_a_non_leap_year() -> None:
    ranges = month_ranges(date(2023, 1, 1), date(2024, 1, 1), TimeFormat.ISO_MILLIS_Z)
    assert len(ranges) == 12
    assert ranges[1].end_time == "2023-02-28T23:59:59.999Z"


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        (TimeFormat.KLAVIYO, "2025-10-10T13:45:30.123000"),
        (TimeFormat.ISO_MILLIS_Z, "2025-10-10T13:45:30.123Z"),
        (TimeFormat.SPACE_MILLIS, "2025-10-10 13:45:30.123"),
    ],
)
def test_connector_formats(fmt: TimeFormat, text: str) -> None:
    assert format_bound(datetime(2025, 10, 10, 13, 45, 30, 123000), fmt) == text
    assert session_bound(fmt).startswith("${moment(session_time).utc().format(")
