"""identity_quality on hand-made lookups whose precision and recall are known, and its helpers."""

from __future__ import annotations

import itertools
import random

import pytest

from cdpo.errors import ConfigError
from cdpo.samples import (
    Dataset,
    identity_quality,
    lookup_from_rows,
    read_truth,
    record_key,
    truth_table,
)

# Five records of person 1, three of person 2, two of person 3: 10 + 3 + 1 = 14 true pairs.
TRUTH = {("t", str(i)): p for i, p in enumerate([1, 1, 1, 1, 1, 2, 2, 2, 3, 3])}


def lookup(*clusters: str | None) -> dict[tuple[str, str], str | None]:
    return {("t", str(i)): c for i, c in enumerate(clusters)}


def test_perfect_clustering_scores_one() -> None:
    q = identity_quality(TRUTH, {k: f"c{p}" for k, p in TRUTH.items()})
    assert (q.precision, q.recall, q.f1, q.coverage) == (1.0, 1.0, 1.0, 1.0)
    assert (q.records, q.people, q.clusters, q.true_pairs) == (10, 3, 3, 14)
    assert (q.over_merged_clusters, q.split_people, q.largest_cluster) == (0, 0, 5)


def test_all_singletons_have_full_precision_and_no_recall() -> None:
    q = identity_quality(TRUTH, lookup(*"abcdefghij"))
    assert (q.predicted_pairs, q.correct_pairs, q.precision, q.recall, q.f1) == (
        0,
        0,
        1.0,
        0.0,
        0.0,
    )
    assert (q.split_people, q.over_merged_clusters, q.largest_cluster) == (3, 0, 1)


def test_everything_merged_has_full_recall_and_pair_precision() -> None:
    q = identity_quality(TRUTH, lookup(*"x" * 10))
    assert (q.predicted_pairs, q.correct_pairs) == (45, 14)
    assert q.precision == pytest.approx(14 / 45)
    assert q.recall == 1.0
    assert q.f1 == pytest.approx(2 * (14 / 45) / (14 / 45 + 1))
    assert (q.over_merged_clusters, q.largest_cluster, q.largest_cluster_people) == (1, 10, 3)


def test_a_split_and_an_over_merge_together() -> None:
    # Person 1 split 3+2; the 2-part merged with person 3's records; person 2 intact.
    q = identity_quality(TRUTH, lookup("a", "a", "a", "b", "b", "c", "c", "c", "b", "b"))
    # Predicted pairs: a 3, b 6, c 3 = 12. Correct: a 3, (b: p1 1 + p3 1), c 3 = 8.
    assert (q.predicted_pairs, q.correct_pairs, q.true_pairs) == (12, 8, 14)
    assert (q.precision, q.recall) == (pytest.approx(8 / 12), pytest.approx(8 / 14))
    assert (q.split_people, q.over_merged_clusters, q.largest_cluster) == (1, 1, 4)


def test_uncovered_records_count_as_singletons_and_lower_coverage() -> None:
    q = identity_quality(TRUTH, lookup("a", "a", "a", "a", None, "b", "b", "b", "c"))
    assert (q.covered_records, q.coverage) == (8, 0.8)
    assert (q.correct_pairs, q.predicted_pairs) == (9, 9)
    assert q.precision == 1.0 and q.recall == pytest.approx(9 / 14)
    assert q.split_people == 2  # person 1 lost a record, person 3 lost one too


def test_predicted_records_outside_the_truth_are_ignored() -> None:
    extra = {k: f"c{p}" for k, p in TRUTH.items()} | {("other", "1"): "c1"}
    assert identity_quality(TRUTH, extra) == identity_quality(
        TRUTH, {k: f"c{p}" for k, p in TRUTH.items()}
    )


def test_empty_truth_and_empty_prediction() -> None:
    empty = identity_quality({}, {})
    assert (empty.records, empty.precision, empty.recall, empty.coverage) == (0, 1.0, 1.0, 1.0)
    nothing = identity_quality(TRUTH, {})
    assert (nothing.coverage, nothing.recall, nothing.precision) == (0.0, 0.0, 1.0)


def test_contingency_counts_equal_brute_force_pairs() -> None:
    rng = random.Random(3)
    truth = {("t", str(i)): rng.randrange(40) for i in range(300)}
    predicted = {k: rng.choice([p, p, rng.randrange(60)]) for k, p in truth.items()}
    keys = list(truth)
    pairs = list(itertools.combinations(keys, 2))
    same_true = {(a, b) for a, b in pairs if truth[a] == truth[b]}
    same_pred = {(a, b) for a, b in pairs if predicted[a] == predicted[b]}
    q = identity_quality(truth, predicted)
    assert (q.true_pairs, q.predicted_pairs) == (len(same_true), len(same_pred))
    assert q.correct_pairs == len(same_true & same_pred)


def test_lookup_from_enriched_rows_maps_table_names_and_votes() -> None:
    rows = [
        ("acme_src.enriched_shopify_customers_histunion", 61, "u1"),
        ("enriched_shopify_customers_histunion", "61", "u1"),
        ("shopify_customers_hist", 61, "u2"),
        ("klaviyo_events", "e1", None),
        ("klaviyo_events", "e2", "u9"),
    ]
    found = lookup_from_rows(rows, tables=["shopify_customers", "klaviyo_events"])
    assert found == {("shopify_customers", "61"): "u1", ("klaviyo_events", "E2"): "u9"}
    assert truth_table("db.enriched_web_pageviews") == "web_pageviews"


def test_record_ids_match_after_staging_upper_cases_them(small: Dataset) -> None:
    truth = read_truth(small.path(small.truth_path))
    web = [r for t, r in truth if t == "web_pageviews"][:50]
    rows = [("web_pageviews", f" {r.lower()} ", "x") for r in web]
    rows += [("shopify_customers", float(r), "y") for t, r in truth if t == "shopify_customers"]
    found = lookup_from_rows(rows)
    assert all(("web_pageviews", r) in found for r in web)
    assert {k for k in found if k[0] == "shopify_customers"} <= set(truth)
    assert record_key(6100000773903.0) == "6100000773903"


def test_lookup_from_rows_names_the_valid_tables_for_an_unknown_one() -> None:
    with pytest.raises(ConfigError, match="'mystery' is not in the truth; its tables are a, b"):
        lookup_from_rows([("mystery", "1", "x")], tables=["b", "a"])


def test_truth_scored_against_itself_through_rows(small: Dataset) -> None:
    truth = read_truth(small.path(small.truth_path))
    rows = [(f"enriched_{t}_histunion", r, f"id{p}") for (t, r), p in truth.items()]
    tables = {e.table for e in small.extracts}
    q = identity_quality(truth, lookup_from_rows(rows, tables))
    assert (q.precision, q.recall, q.coverage, q.people) == (
        1.0,
        1.0,
        1.0,
        len(set(truth.values())),
    )
