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
    from cdpo.samples import IdentityQuality

__all__ = ["TruthScorer", "check_truth", "record_id_columns"]


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


def _record_keys(values: Iterable[Any]) -> list[str]:
    """``cdpo.samples.record_key`` of every value; strings and integers (nearly every id) inlined."""
    from cdpo.samples import record_key

    return [
        v.strip().upper() if type(v) is str else str(v) if type(v) is int else record_key(v)
        for v in values
    ]


# Pair counts from the person × cluster contingency table (cdpo.samples.quality._score). A truth
# record without a predicted profile is a cluster of its own; the last truth row of a record wins,
# as in read_truth's dict; a record's most frequent profile wins, ties to the smallest as text.
_SCORE_SQL = """
WITH person AS (
  SELECT tbl, key, arg_max(person, ord) AS person FROM truth WHERE list_contains(?, tbl)
  GROUP BY tbl, key
), votes AS (
  SELECT tbl, key, profile, count(*) AS n FROM predicted WHERE profile IS NOT NULL
  GROUP BY tbl, key, profile
), winner AS (
  SELECT tbl, key, arg_min(profile, {'n': -n, 'p': profile}) AS profile FROM votes GROUP BY tbl, key
), record AS (
  SELECT p.person, w.profile FROM person p LEFT JOIN winner w USING (tbl, key)
), cell AS (
  SELECT person, profile, count(*) AS n FROM record WHERE profile IS NOT NULL GROUP BY person, profile
), per_person AS (
  SELECT person, count(*) AS n, count(DISTINCT profile) + count(*) - count(profile) AS clusters
  FROM record GROUP BY person
), per_profile AS (
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
    """The truth file and predicted profiles in an in-memory DuckDB, scored in SQL.

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
            self._load(path)
        except duckdb.Error as error:
            self.con.close()
            raise ConfigError(f"not a truth file ({error})", file=path) from None
        except BaseException:
            self.con.close()
            raise
        self.con.execute("CREATE TABLE predicted (tbl VARCHAR, key VARCHAR, profile VARCHAR)")
        self.tables = {
            row[0] for row in self.con.execute("SELECT DISTINCT tbl FROM truth").fetchall()
        }

    def _load(self, path: Path) -> None:
        """``truth(tbl, key, person, ord)``: ``ord`` is the row's position in the file."""
        import pyarrow as pa

        raw = (
            self.con.read_parquet(str(path), file_row_number=True)
            .order("file_row_number")
            .select("table_name, record_id, person_id")
            .to_arrow_table()
        )
        if raw.column("person_id").null_count:
            raise ConfigError("a truth row has no person_id", file=path)
        keys = pa.array(_record_keys(raw.column("record_id").to_pylist()), pa.string())
        truth = pa.table(
            {
                "tbl": raw.column("table_name"),
                "key": keys,
                "person": raw.column("person_id"),
                "ord": pa.array(range(raw.num_rows), pa.int64()),
            }
        )
        self._insert("truth", truth)

    def _insert(self, table: str, data: Any, source: str | None = None) -> None:
        """Rows of Arrow table ``data`` into ``table`` (created from them when ``source`` is None;
        else inserted after a first column ``tbl`` = ``source``)."""
        self.con.register("_cdpo_truth_rows", data)
        try:
            if source is None:
                self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM _cdpo_truth_rows")
            else:
                self.con.execute(f"INSERT INTO {table} SELECT ?, * FROM _cdpo_truth_rows", [source])
        finally:
            self.con.unregister("_cdpo_truth_rows")

    def add(self, table: str, rows: Sequence[tuple[Any, Any]]) -> None:
        """The ``(record id, profile)`` rows of truth table ``table``; a NULL profile is no profile."""
        import pyarrow as pa

        profiles = [profile for _, profile in rows]
        try:
            texts = pa.array(profiles, pa.string())
        except pa.ArrowTypeError:  # not text: compared as text, as the votes are
            texts = pa.array([None if p is None else str(p) for p in profiles], pa.string())
        keys = pa.array(_record_keys(record for record, _ in rows), pa.string())
        self._insert("predicted", pa.table({"key": keys, "profile": texts}), table)

    def score(self, tables: Iterable[str]) -> IdentityQuality:
        """Pairwise scores of the truth's records of ``tables`` against the added profiles."""
        from cdpo.samples import IdentityQuality

        (row,) = self.con.execute(_SCORE_SQL, [sorted(tables)]).fetchall()
        return IdentityQuality(*(int(v) for v in row))  # in the dataclass's field order

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
            result = context.target.query(
                f"SELECT {quote(column)}, {quote(id_name)} FROM "
                f"{quote(output_database)}.{quote(enriched)}"
            )
            scorer.add(name, result.rows)
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
