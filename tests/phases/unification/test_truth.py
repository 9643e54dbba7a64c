"""The truth check scores in SQL exactly as ``cdpo.samples.identity_quality`` does in Python."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import duckdb
import pytest

from cdpo.errors import ConfigError
from cdpo.phases.unification.truth import TruthScorer, record_keys
from cdpo.samples import identity_quality, lookup_from_rows, read_truth, record_key

# Ids as staging leaves them and as they come back from a warehouse: padded, lower case,
# non-ASCII (Python's str.upper maps 'ß' to 'SS'), integers and integral floats.
_IDS = ["a1", " A1", "a2 ", "b\t", "ß", "SS", "é9", "7", 7, 7.0, "8", 8.5, "x-1", "X-1\n"]


def _write_truth(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (table_name VARCHAR, record_id VARCHAR, person_id BIGINT)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def _random_case(rng: random.Random) -> tuple[list, dict[str, list]]:
    """Truth rows (a record may repeat: the last one counts) and predicted rows per table."""
    truth = [
        (rng.choice(["t1", "t2", "t3"]), str(rng.choice(_IDS)), rng.randint(1, 5))
        for _ in range(rng.randint(0, 25))
    ]
    predicted = {
        table: [
            (rng.choice(_IDS), rng.choice([None, "p1", "p2", "p3", "P1", "p10"]))
            for _ in range(rng.randint(0, 20))
        ]
        for table in ("t1", "t2")
    }
    return truth, predicted


@pytest.mark.parametrize("seed", range(60))
def test_sql_scores_equal_identity_quality(tmp_path: Path, seed: int) -> None:
    truth_rows, predicted = _random_case(random.Random(seed))
    path = _write_truth(tmp_path / "truth.parquet", truth_rows)
    scorer = TruthScorer(path)
    try:
        scored = {t for t in predicted if t in scorer.tables}
        for table in sorted(scored):
            scorer.add(table, predicted[table])
        got = scorer.score(scored)
    finally:
        scorer.close()
    truth = read_truth(path)
    rows = [(t, record, profile) for t in sorted(scored) for record, profile in predicted[t]]
    expected = identity_quality(
        {k: p for k, p in truth.items() if k[0] in scored},
        lookup_from_rows(rows, {t for t, _ in truth}),
    )
    # Which of two equally large clusters is "the largest" is not specified: not compared.
    assert dataclasses.replace(got, largest_cluster_people=0) == dataclasses.replace(
        expected, largest_cluster_people=0
    )
    assert (got.precision, got.recall, got.f1) == (expected.precision, expected.recall, expected.f1)


def test_a_missing_or_foreign_truth_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="truth file not found"):
        TruthScorer(tmp_path / "missing.parquet")
    (tmp_path / "notes.parquet").write_text("not parquet")
    with pytest.raises(ConfigError, match="not a truth file"):
        TruthScorer(tmp_path / "notes.parquet")
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 't' AS table_name, 'r' AS record_id, NULL::BIGINT AS person_id) "
                f"TO '{tmp_path / 'nulls.parquet'}' (FORMAT parquet)")  # fmt: skip
    with pytest.raises(ConfigError, match="no person_id"):
        TruthScorer(tmp_path / "nulls.parquet")


@pytest.mark.parametrize(
    "values",
    [
        ["a1", " b2\t", "x\x1c", "\x85y", "straße", "é9 ", None, "", "  "],
        [7, -3, None, 0],
        [7, "7", 7.0, 8.5, None, True, 2**70],
        [],
    ],
    ids=["text", "integers", "mixed", "empty"],
)
def test_record_keys_equal_record_key_value_by_value(values: list) -> None:
    import pyarrow as pa

    expected = [record_key(v) for v in values]
    assert record_keys(values).to_pylist() == expected
    if values and len({type(v) for v in values if v is not None}) == 1:
        for kind in (None, pa.large_string()) if isinstance(values[0], str) else (None,):
            assert record_keys(pa.chunked_array([pa.array(values, kind)])).to_pylist() == expected
