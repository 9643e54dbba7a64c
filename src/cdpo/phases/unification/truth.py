"""Precision, recall and F1 of the merges against a truth file (the demo data set's identities).

Each enriched row is a record ``(table, record id)`` with a predicted profile. The records are scored
pairwise against the true people in SQL, in an in-memory DuckDB, with the numbers
``cdpo.samples.identity_quality`` gives for ``lookup_from_rows`` of the same rows (same record keys,
same vote when the versions of a record got different ids, same pair counts; tests compare both).
Which column holds a table's record id comes from ``unification.truth_record_ids``, else from the
demo data set's manifest (``dataset.json``) in a directory above the truth file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdpo.errors import ConfigError
from cdpo.phases.base import CheckResult, CheckStatus, PhaseContext
from cdpo.phases.ingestion import quote
from cdpo.phases.unification.settings import UnificationSettings

if TYPE_CHECKING:
    import pyarrow as pa

    from cdpo.samples import IdentityQuality

__all__ = ["TruthScorer", "check_truth", "record_id_columns", "record_keys"]


def record_id_columns(settings: UnificationSettings, truth: Path) -> dict[str, str]:
    """Staged table → record-id column: pipeline.yml's mapping, else the data set manifest's.

    Raises:
        ConfigError: neither is available.
    """
    if settings.truth_record_ids:
        return dict(settings.truth_record_ids)
    from cdpo.samples import Dataset

    for root in truth.parents:
        if (root / "dataset.json").is_file():
            return {e.table: e.record_id for e in Dataset.load(root).extracts}
    raise ConfigError(
        "no record-id columns for the truth file: no dataset.json above it",
        field="unification.truth_record_ids",
        hint="Map each staged table to its record id column, e.g. {customers: customer_id}.",
    )


_ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
"""The ASCII characters Python's ``str.strip()`` removes (``str.isspace``)."""


def record_keys(values: Any) -> pa.Array:
    """``cdpo.samples.record_key`` of every value of an Arrow array, or of a list of values.

    Vectorised where Arrow gives Python's answer exactly: integers, and text that is ASCII
    (``str.upper`` maps e.g. 'ß' to 'SS', so other text goes value by value, as does any other
    type); a NULL is 'NONE', as ``str(None).upper()``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from cdpo.samples import record_key

    if not isinstance(values, pa.Array | pa.ChunkedArray):
        try:
            values = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: value by value
            return pa.array([record_key(v) for v in values], pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_integer(values.type):
        keys = pc.cast(values, pa.string())
    elif pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        keys = pc.cast(pc.ascii_upper(pc.utf8_trim(values, characters=_ASCII_SPACE)), pa.string())
        other = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
        if pc.any(other).as_py():
            at = other.to_numpy(zero_copy_only=False).nonzero()[0]
            fixed = [record_key(v) for v in values.take(pa.array(at)).to_pylist()]
            keys = pc.replace_with_mask(keys, other, pa.array(fixed, pa.string()))
    else:
        return pa.array([record_key(v) for v in values.to_pylist()], pa.string())
    return pc.fill_null(keys, "NONE")


# Pair counts from the person × cluster contingency table (cdpo.samples.quality._score). A truth
# record without a predicted profile is a cluster of its own; the last truth row of a record wins,
# as in read_truth's dict; a record's most frequent profile wins, ties to the smallest as text.
# Tables and profiles arrive as integer codes (``TruthScorer._stage``), profile codes in the
# profiles' text order, so every tie breaks as it would on the text. One grouping of both sides by
# record finds each record's person and, when all its versions agree, its profile; only records
# whose versions disagree are put to a vote.
_SCORE_SQL = """
WITH rec AS MATERIALIZED (
  SELECT tbl, key, arg_max(person, ord) FILTER (WHERE ord IS NOT NULL) AS person,
         min(profile) AS lo, max(profile) AS hi
  FROM (
    SELECT tbl, key, person, ord, NULL::INTEGER AS profile FROM truth WHERE list_contains(?, tbl)
    UNION ALL SELECT tbl, key, NULL, NULL, profile FROM predicted
  ) GROUP BY tbl, key
), votes AS (
  SELECT tbl, key, profile, count(*) AS n
  FROM predicted SEMI JOIN (SELECT tbl, key FROM rec WHERE person IS NOT NULL AND lo <> hi) USING (tbl, key)
  WHERE profile IS NOT NULL GROUP BY tbl, key, profile
), winner AS (
  SELECT tbl, key, arg_min(profile, {'n': -n, 'p': profile}) AS profile FROM votes GROUP BY tbl, key
), record AS MATERIALIZED (
  SELECT r.person, CASE WHEN r.lo = r.hi THEN r.lo ELSE w.profile END AS profile
  FROM rec r LEFT JOIN winner w USING (tbl, key) WHERE r.person IS NOT NULL
), cell AS MATERIALIZED (
  SELECT person, profile, count(*) AS n FROM record WHERE profile IS NOT NULL GROUP BY person, profile
), per_person AS MATERIALIZED (
  SELECT person, count(*) AS n, count(DISTINCT profile) + count(*) - count(profile) AS clusters
  FROM record GROUP BY person
), per_profile AS MATERIALIZED (
  SELECT profile, sum(n) AS n, count(*) AS people FROM cell GROUP BY profile
), singletons AS (
  SELECT count(*) - count(profile) AS n FROM record
)
SELECT
  (SELECT count(*) FROM record), (SELECT count(*) FROM per_person),
  (SELECT count(*) FROM per_profile) + (SELECT n FROM singletons),
  (SELECT count(profile) FROM record),
  (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM per_person),
  (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM per_profile),
  (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM cell),
  (SELECT count(*) FILTER (WHERE people > 1) FROM per_profile),
  (SELECT count(*) FILTER (WHERE clusters > 1) FROM per_person),
  coalesce((SELECT max(n) FROM per_profile), (SELECT least(n, 1) FROM singletons)),
  coalesce((SELECT arg_max(people, {'n': n, 'p': profile}) FROM per_profile),
           (SELECT least(n, 1) FROM singletons))
"""


class TruthScorer:
    """The truth file and predicted profiles as Arrow arrays, scored in an in-memory DuckDB.

    ``add`` the ``(record id, profile)`` rows of each scored table, then ``score`` them.

    Raises:
        ConfigError: the truth file is missing or is not a truth file.
    """

    def __init__(self, path: Path) -> None:
        import duckdb

        if not path.is_file():
            raise ConfigError(
                "truth file not found", file=path, hint="Run `cdpo demo` to create it."
            )
        self.con = duckdb.connect()
        try:
            self.truth = self._load(path)
        except duckdb.Error as error:
            self.con.close()
            raise ConfigError(f"not a truth file ({error})", file=path) from None
        except BaseException:
            self.con.close()
            raise
        self.tables = set(self.truth.column("tbl").unique().to_pylist())
        self.predicted: list[tuple[str, pa.Array, pa.Array]] = []

    def _load(self, path: Path) -> pa.Table:
        """``(tbl, key, person, ord)``: ``ord`` is the row's position in the file."""
        import pyarrow as pa

        raw = (
            self.con.read_parquet(str(path), file_row_number=True)
            .select("table_name, record_id, person_id, file_row_number")
            .to_arrow_table()
        )
        if raw.column("person_id").null_count:
            raise ConfigError("a truth row has no person_id", file=path)
        return pa.table(
            {
                "tbl": raw.column("table_name").cast(pa.string()),
                "key": record_keys(raw.column("record_id")),
                "person": raw.column("person_id"),
                "ord": raw.column("file_row_number"),
            }
        )

    def add(self, table: str, rows: Sequence[tuple[Any, Any]]) -> None:
        """The ``(record id, profile)`` rows of truth table ``table``; a NULL profile is no profile."""
        self.add_columns(table, [record for record, _ in rows], [profile for _, profile in rows])

    def add_columns(self, table: str, records: Any, profiles: Any) -> None:
        """As ``add``, the record ids and profiles as two columns (Arrow arrays or lists)."""
        import pyarrow as pa

        if isinstance(profiles, pa.ChunkedArray):
            profiles = profiles.combine_chunks()
        if isinstance(profiles, pa.Array) and pa.types.is_string(profiles.type):
            texts = profiles
        else:
            values = profiles.to_pylist() if isinstance(profiles, pa.Array) else list(profiles)
            try:
                texts = pa.array(values, pa.string())
            except pa.ArrowTypeError:  # not text: compared as text, as the votes are
                texts = pa.array([None if p is None else str(p) for p in values], pa.string())
        self.predicted.append((table, record_keys(records), texts))

    def score(self, tables: Iterable[str]) -> IdentityQuality:
        """Pairwise scores of the truth's records of ``tables`` against the added profiles."""
        from cdpo.samples import IdentityQuality

        codes = self._stage()
        scored = sorted({codes[t] for t in tables if t in codes})
        (row,) = self.con.execute(_SCORE_SQL, [scored]).fetchall()
        return IdentityQuality(*(int(v) for v in row))  # in the dataclass's field order

    def _stage(self) -> dict[str, int]:
        """Create ``truth(tbl, key, person, ord)`` and ``predicted(tbl, key, profile)``, tables and
        profiles as integer codes (profiles numbered in their sorted order); returns table → code."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        names = sorted(self.tables | {t for t, _, _ in self.predicted})
        codes = {name: i for i, name in enumerate(names)}
        truth = self.truth.set_column(
            0, "tbl", pc.index_in(self.truth.column("tbl"), value_set=pa.array(names, pa.string()))
        )
        profiles = pa.chunked_array([p for _, _, p in self.predicted], pa.string())
        distinct = profiles.unique().drop_null()
        predicted = pa.table(
            {
                "tbl": np.repeat(
                    np.array([codes[t] for t, _, _ in self.predicted], np.int32),
                    [len(k) for _, k, _ in self.predicted],
                ),
                "key": pa.chunked_array([k for _, k, _ in self.predicted], pa.string()),
                "profile": pc.index_in(profiles, distinct.take(pc.sort_indices(distinct))),
            }
        )
        for name, data in (("truth", truth), ("predicted", predicted)):
            self.con.register("_truth_rows", data)
            try:
                self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _truth_rows")
            finally:
                self.con.unregister("_truth_rows")
        return codes

    def close(self) -> None:
        self.con.close()


def check_truth(
    context: PhaseContext,
    tables: Sequence[tuple[str, str, str]],
    output_database: str,
    id_name: str,
) -> CheckResult:
    """Pairwise precision/recall/F1 of the profiles over the truth's records of unified tables."""
    from cdpo.samples import truth_table

    settings = context.pipeline.unification
    path = Path(settings.truth_file)
    path = path if path.is_absolute() else context.root / path
    scorer = TruthScorer(path)
    try:
        record_ids = record_id_columns(settings, path)
        scored = set()
        for _, staged, enriched in tables:
            column, name = record_ids.get(staged), truth_table(staged)
            if column is None or name not in scorer.tables:
                continue
            result = context.target.query_arrow(
                f"SELECT {quote(column)}, {quote(id_name)} FROM "
                f"{quote(output_database)}.{quote(enriched)}"
            )
            scorer.add_columns(name, result.column(0), result.column(1))
            scored.add(name)
        if not scored:
            known = ", ".join(sorted(scorer.tables))
            return CheckResult(
                "unification_truth", CheckStatus.WARN,
                f"no unified table is in the truth file (its tables: {known})", None,
            )  # fmt: skip
        quality = scorer.score(scored)
    finally:
        scorer.close()
    return _truth_result(quality, scored)


def _truth_result(quality: IdentityQuality, scored: set[str]) -> CheckResult:
    metrics = {
        "precision": round(quality.precision, 4), "recall": round(quality.recall, 4),
        "f1": round(quality.f1, 4), "records": quality.records, "people": quality.people,
        "profiles": quality.clusters, "over_merged_profiles": quality.over_merged_clusters,
        "split_people": quality.split_people, "tables": sorted(scored),
    }  # fmt: skip
    detail = (
        f"precision {quality.precision:.3f}, recall {quality.recall:.3f}, F1 {quality.f1:.3f} "
        f"over {quality.records} records of {quality.people} people"
    )
    return CheckResult("unification_truth", CheckStatus.PASS, detail, None, metrics)
