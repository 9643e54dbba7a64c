"""How good is an identity resolution? Pairwise precision, recall and F1 against the known truth.

A record is keyed by (table, record_id). The truth maps it to the person it belongs to; a
prediction maps it to a cluster (the unification's canonical id). A *pair* of records is merged
when both sit in one cluster, and truly the same when both belong to one person. Pair counts come
from the person × cluster contingency table, ``sum(n choose 2)`` per cell, never from the pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cdpo.errors import ConfigError

RecordKey = tuple[str, str]
_PREFIXES = ("enriched_",)
_SUFFIXES = ("_histunion", "_hist")


@dataclass(frozen=True)
class IdentityQuality:
    """Scores of a predicted clustering of the truth's records.

    Records of the truth without a predicted cluster count as singletons (merged with nothing):
    they lower recall and ``coverage`` and may split their person. Predicted records absent from
    the truth are ignored. With nothing to merge, precision and recall are 1.0 (no wrong merge,
    no missed merge).
    """

    records: int
    people: int
    clusters: int
    covered_records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    over_merged_clusters: int
    """Clusters that hold records of more than one true person."""
    split_people: int
    """People whose records lie in more than one cluster (or lack a cluster)."""
    largest_cluster: int
    """Records in the largest predicted cluster."""
    largest_cluster_people: int
    """True people in the largest predicted cluster."""

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def coverage(self) -> float:
        """Share of truth records that got a cluster id (1.0 for an empty truth)."""
        return self.covered_records / self.records if self.records else 1.0


def identity_quality(
    truth: Mapping[RecordKey, Hashable], predicted: Mapping[RecordKey, Hashable | None]
) -> IdentityQuality:
    """Score ``predicted`` (record → cluster id) against ``truth`` (record → person id).

    Example:
        >>> truth = {("t", "1"): 1, ("t", "2"): 1, ("t", "3"): 2}
        >>> q = identity_quality(truth, {("t", "1"): "a", ("t", "2"): "a", ("t", "3"): "a"})
        >>> (q.precision, q.recall, q.over_merged_clusters)
        (0.3333333333333333, 1.0, 1)
    """
    keys = list(truth)
    person = _codes([truth[k] for k in keys])
    found = [predicted.get(k) for k in keys]
    covered = np.array([c is not None for c in found], dtype=bool)
    cluster = _codes([c if c is not None else ("\0uncovered", i) for i, c in enumerate(found)])
    return _score(person, cluster, int(covered.sum()))


def read_truth(path: Path | str) -> dict[RecordKey, int]:
    """The truth file as a mapping (table, ``record_key(record_id)``) → person id.

    Raises:
        ConfigError: the file is missing or is not a truth file.
    """
    import duckdb

    path = Path(path)
    if not path.is_file():
        raise ConfigError("truth file not found", file=path, hint="Run `cdpo demo` to create it.")
    try:
        query = "SELECT table_name, record_id, person_id FROM read_parquet(?)"
        rows = duckdb.execute(query, [str(path)]).fetchall()
    except duckdb.Error as error:
        raise ConfigError(f"not a truth file ({error})", file=path) from None
    return {(table, record_key(record)): int(person) for table, record, person in rows}


def lookup_from_rows(
    rows: Iterable[tuple[str, Any, Any]], tables: Iterable[str] | None = None
) -> dict[RecordKey, Hashable]:
    """A prediction from rows ``(table, record_id, canonical_id)``, as an enriched table yields them.

    Table names are brought back to the truth's names: a ``db.`` qualifier, an ``enriched_`` prefix
    and ``_histunion``/``_hist`` suffixes are dropped. Rows with a null canonical id are skipped
    (uncovered). Record ids are compared by ``record_key``. When the versions of one record got
    different ids, the most frequent wins (ties: the smallest as text).

    Raises:
        ConfigError: ``tables`` is given and a row's table maps to none of them.
    """
    known = set(tables) if tables is not None else None
    votes: dict[RecordKey, Counter[Hashable]] = {}
    names: dict[str, str] = {}
    for table, record, canonical in rows:
        if canonical is None:
            continue
        name = names.get(table) or names.setdefault(table, truth_table(table, known))
        votes.setdefault((name, record_key(record)), Counter())[canonical] += 1
    return {key: _winner(counter) for key, counter in votes.items()}


def record_key(record: object) -> str:
    """A record id as the truth keys it: text, trimmed, upper case, integral floats as integers.

    Staging rewrites string ids with ``TRIM(UPPER(col))`` (spec-staging-unification.md §1.3) and
    an engine may hand a BIGINT back as a float, so both sides of a comparison go through this.

    Example:
        >>> record_key(" 9a3f-e1 "), record_key(6100000773903.0)
        ('9A3F-E1', '6100000773903')
    """
    if isinstance(record, float) and record.is_integer():
        record = int(record)
    return str(record).strip().upper()


def truth_table(name: str, known: set[str] | None = None) -> str:
    """The truth's table name for a pipeline table name (``enriched_shopify_customers_histunion``
    → ``shopify_customers``)."""
    base = name.rsplit(".", 1)[-1]
    for prefix in _PREFIXES:
        base = base.removeprefix(prefix)
    for suffix in _SUFFIXES:
        base = base.removesuffix(suffix)
    if known is not None and base not in known:
        valid = ", ".join(sorted(known))
        raise ConfigError(f"table {name!r} is not in the truth; its tables are {valid}")
    return base


def _winner(counter: Counter[Hashable]) -> Hashable:
    top = max(counter.values())
    return min((c for c, n in counter.items() if n == top), key=str)


def _codes(values: list[Hashable]) -> np.ndarray:
    """Dense integer codes for arbitrary hashable values, in first-seen order."""
    index: dict[Hashable, int] = {}
    return np.fromiter((index.setdefault(v, len(index)) for v in values), np.int64, len(values))


def _pairs(counts: np.ndarray) -> int:
    return int((counts * (counts - 1) // 2).sum())


def _score(person: np.ndarray, cluster: np.ndarray, covered: int) -> IdentityQuality:
    """Pair counts and cluster statistics from the person × cluster contingency table."""
    if not len(person):
        return IdentityQuality(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    cells, cell_size = np.unique(np.stack([person, cluster], axis=1), axis=0, return_counts=True)
    cluster_size = np.bincount(cluster)
    people_per_cluster = np.bincount(cells[:, 1])
    clusters_per_person = np.bincount(cells[:, 0])
    largest = int(np.argmax(cluster_size))
    return IdentityQuality(
        records=len(person),
        people=len(clusters_per_person),
        clusters=len(cluster_size),
        covered_records=covered,
        true_pairs=_pairs(np.bincount(person)),
        predicted_pairs=_pairs(cluster_size),
        correct_pairs=_pairs(cell_size),
        over_merged_clusters=int((people_per_cluster > 1).sum()),
        split_people=int((clusters_per_person > 1).sum()),
        largest_cluster=int(cluster_size[largest]),
        largest_cluster_people=int(people_per_cluster[largest]),
    )
