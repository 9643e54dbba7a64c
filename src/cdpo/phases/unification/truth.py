"""Precision, recall and F1 of the merges against a truth file (the demo data set's identities).

Each enriched row is a record ``(table, record id)`` with a predicted profile; ``cdpo.samples``
scores the partition pairwise against the true people. Which column holds a table's record id comes
from ``unification.truth_record_ids``, else from the demo data set's manifest (``dataset.json``) in
a directory above the truth file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdpo.errors import ConfigError
from cdpo.phases.base import CheckResult, CheckStatus, PhaseContext
from cdpo.phases.ingestion import quote
from cdpo.phases.unification.settings import UnificationSettings

__all__ = ["check_truth", "record_id_columns"]


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


def check_truth(
    context: PhaseContext,
    tables: Sequence[tuple[str, str, str]],
    output_database: str,
    id_name: str,
) -> CheckResult:
    """Pairwise precision/recall/F1 of the profiles over the truth's records of unified tables."""
    from cdpo.samples import identity_quality, lookup_from_rows, read_truth, truth_table

    settings = context.pipeline.unification
    path = Path(settings.truth_file)
    path = path if path.is_absolute() else context.root / path
    truth = read_truth(path)
    record_ids = record_id_columns(settings, path)
    known = {table for table, _ in truth}
    rows, scored = [], set()
    for _, staged, enriched in tables:
        column = record_ids.get(staged)
        name = truth_table(staged)
        if column is None or name not in known:
            continue
        result = context.target.query(
            f"SELECT {quote(column)}, {quote(id_name)} FROM "
            f"{quote(output_database)}.{quote(enriched)}"
        )
        rows += [(staged, record, profile) for record, profile in result.rows]
        scored.add(name)
    if not scored:
        return CheckResult(
            "unification_truth", CheckStatus.WARN,
            f"no unified table is in the truth file (its tables: {', '.join(sorted(known))})",
            None,
        )  # fmt: skip
    quality = identity_quality(
        {k: p for k, p in truth.items() if k[0] in scored}, lookup_from_rows(rows, known)
    )
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
