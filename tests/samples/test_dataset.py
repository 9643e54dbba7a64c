"""generate_dataset: determinism, sizes and row counts, the manifest, the extracts' promises."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cdpo.errors import ConfigError
from cdpo.samples import SIZES, TRUTH_PATH, Dataset, generate_dataset
from cdpo.samples.times import HIST_END, INC_END
from tests.samples.conftest import digest

TABLES = {
    "shopify_customers",
    "shopify_orders",
    "klaviyo_profiles",
    "klaviyo_events",
    "web_pageviews",
    "crm_customers",
    "crm_transactions",
}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    generate_dataset(tmp_path / "a", people=300, seed=7)
    generate_dataset(tmp_path / "b", people=300, seed=7)
    generate_dataset(tmp_path / "c", people=300, seed=8)
    first, again, other = (digest(tmp_path / d) for d in "abc")
    assert first == again
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first if name != "dataset.json")


def test_small_has_its_people_and_about_ten_events_per_person(small: Dataset) -> None:
    assert (small.size, small.people, small.seed) == ("small", SIZES["small"], 42)
    assert {e.table for e in small.extracts} == TABLES
    events = sum(
        e.hist_rows + e.inc_rows
        for e in small.extracts
        if e.object in ("orders", "events", "pageviews", "transactions")
    )
    assert 8 * small.people <= events <= 14 * small.people


def test_people_override_scales_every_extract(tmp_path: Path, small: Dataset) -> None:
    reported: list[str] = []
    half = generate_dataset(tmp_path, people=1_000, progress=lambda e: reported.append(e.table))
    assert half.people == 1_000
    assert reported == [e.table for e in half.extracts]
    for extract in half.extracts:
        full = small.extract(extract.table)
        ratio = (extract.hist_rows + extract.inc_rows) / (full.hist_rows + full.inc_rows)
        assert 0.35 < ratio < 0.65, extract.table


def test_manifest_round_trips_and_counts_match_the_files(small: Dataset, rows) -> None:
    loaded = Dataset.load(small.root)
    assert loaded == small
    for extract in small.extracts:
        assert len(rows(extract.table, "hist")) == extract.hist_rows
        inc = rows(extract.table, "inc")
        assert len(inc) == extract.inc_rows
        assert list(inc[0]) == [name for name, _ in extract.columns] + ["incremental_date"]
        assert extract.record_id in dict(extract.columns)
        assert extract.time_field in dict(extract.columns)
        assert set(extract.identifiers) <= dict(extract.columns).keys()
    assert small.path(TRUTH_PATH).is_file()
    assert not any("truth" in e.hist_path or "truth" in e.inc_path for e in small.extracts)


def test_replay_mapping_names_every_hist_and_inc_table(small: Dataset) -> None:
    mapping = small.replay_mapping("acme_src")
    assert mapping["version"] == 1
    entry = mapping["tables"]["acme_src.shopify_customers_hist"]
    assert entry == {
        "connector": "shopify",
        "files": ["shopify/customers_hist.jsonl"],
        "format": "jsonl",
        "incremental_field": "updated_at",
    }
    assert len(mapping["tables"]) == 2 * len(TABLES)
    for spec in mapping["tables"].values():
        assert small.path(spec["files"][0]).is_file()


def test_incremental_overlaps_the_historical_extract(small: Dataset, rows) -> None:
    """Some rows are in both files, byte-for-byte the same record; updates change a record."""
    for table in ("klaviyo_events", "shopify_customers"):
        extract = small.extract(table)
        key = extract.record_id
        hist = {r[key]: r for r in rows(table, "hist")}
        inc = rows(table, "inc")
        both = [r for r in inc if r[key] in hist]
        assert both, table
        same = [
            r
            for r in both
            if {k: v for k, v in r.items() if k != "incremental_date"} == hist[r[key]]
        ]
        assert same, table
    updated = [r for r in rows("shopify_customers", "inc") if r["created_at"] != r["updated_at"]]
    assert updated


def test_late_rows_arrive_in_the_incremental_extract(small: Dataset, rows) -> None:
    """Events from well before the historical cut-off that only the incremental file holds."""
    inc = rows("klaviyo_events", "inc")
    late = [r for r in inc if r["timestamp"] < HIST_END - 5 * 86_400]
    assert 0.002 < len(late) / len(inc) < 0.05
    assert all(r["timestamp"] < INC_END for r in inc)
    dates = {r["incremental_date"] for r in inc}
    assert min(dates) < "2025-01-01" <= max(dates) < "2025-04-02"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": "medum"}, "Did you mean 'medium'?"),
        ({"size": "huge"}, "valid sizes are small, medium, large"),
        ({"people": 3}, "people must be at least 10"),
    ],
)
def test_bad_size_or_people_is_a_config_error(tmp_path: Path, kwargs, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        generate_dataset(tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())


def test_loading_a_directory_without_manifest_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no demo data set here") as caught:
        Dataset.load(tmp_path)
    assert "cdpo demo" in caught.value.hint
    (tmp_path / "dataset.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="malformed"):
        Dataset.load(tmp_path)


def test_every_time_field_parses_with_its_time_format(small: Dataset, rows) -> None:
    """What the ingestion's add_time needs: the time column of every row, in its stated format."""
    for extract in small.extracts:
        values = [r[extract.time_field] for r in rows(extract.table)]
        parsed = duckdb.execute(
            "SELECT count(strptime(v, ?)) FROM unnest(?::VARCHAR[]) AS t(v)",
            [extract.time_format, values],
        ).fetchone()
        assert parsed == (len(values),), extract.table
