"""VALIDATE for unification, on the data (spec-staging-unification.md §5.2, §7.16): the lookup exists,
is unique per (id, key type) and every enriched table holds its staged rows; coverage (share of
staged rows that got an id) meets ``coverage_threshold`` or the phase FAILs; the largest profile,
merge sizes and per-key histograms, the junk values the guard blocked, and — with a truth file —
precision/recall/F1 of the merges, all as metrics for the report.

What to check is read from the project that ran (``config/unify.yml``, ``config/stage_enrich.yml``),
never from a re-discovery of today's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from cdpo.errors import NotFoundError
from cdpo.phases.base import CheckResult, CheckStatus, PhaseContext
from cdpo.phases.ingestion import quote
from cdpo.phases.unification.truth import check_truth
from cdpo.targets.base import Target

__all__ = ["LARGE_PROFILE_IDS", "MAX_LISTED_EXCLUSIONS", "ProjectTables", "check_unification"]

LARGE_PROFILE_IDS = 1000
"""A profile with more ids than this WARNs (the same alarm as ``cdpo.unify.Guards``)."""
MAX_LISTED_EXCLUSIONS = 50
"""Blocked values listed in the metrics, most frequent first; the table holds them all."""


@dataclass(frozen=True)
class ProjectTables:
    """The names VALIDATE needs, read back from the generated project."""

    output_database: str
    prep_database: str
    id_name: str
    kind: str
    keys: tuple[str, ...]
    tables: tuple[tuple[str, str, str], ...]
    """(staged database, staged table, enriched table) per unified table."""

    @classmethod
    def read(cls, directory: Path) -> ProjectTables:
        """Names from ``config/unify.yml``, ``environment.yml`` and ``stage_enrich.yml``."""
        config = directory / "config"
        unify = yaml.safe_load((config / "unify.yml").read_text())
        env = yaml.safe_load((config / "environment.yml").read_text())
        enrich = yaml.safe_load((config / "stage_enrich.yml").read_text())
        kind = "persistent_id" if unify.get("persistent_ids") else "canonical_id"
        definition = (unify.get("persistent_ids") or unify["canonical_ids"])[0]
        return cls(
            env["unification_database"],
            env["prep_database"],
            definition["name"],
            kind,
            tuple(definition["merge_by_keys"]),
            tuple((t["database"], t["table"], t["enriched_table"]) for t in enrich["tables"]),
        )

    def table(self, name: str) -> str:
        return f"{quote(self.output_database)}.{quote(name)}"

    @property
    def lookup(self) -> str:
        return self.table(f"{self.id_name}_lookup")


def _count(target: Target, sql: str) -> int:
    return int(target.query(sql).scalar() or 0)


def check_lookup(target: Target, names: ProjectTables) -> list[CheckResult]:
    """The lookup exists, holds ids, and (id, key type) has one row per profile."""
    where = f"{names.output_database}.{names.id_name}_lookup"
    try:
        target.columns(names.output_database, f"{names.id_name}_lookup")
    except NotFoundError:
        return [
            CheckResult("unification_lookup", CheckStatus.FAIL, f"{where} does not exist", where)
        ]
    kind = quote(names.kind)
    row = target.query(f"SELECT COUNT(*), COUNT(DISTINCT {kind}) FROM {names.lookup}").rows[0]
    ids, profiles = int(row[0]), int(row[1])
    status = CheckStatus.PASS if ids else CheckStatus.FAIL
    results = [
        CheckResult(
            "unification_lookup", status, f"{ids} ids in {profiles} profiles", where,
            {"ids": ids, "profiles": profiles, "merge_ratio": round(ids / profiles, 3) if profiles else 0.0},
        )
    ]  # fmt: skip
    duplicated = _count(
        target,
        f"SELECT COUNT(*) FROM (SELECT id, id_key_type FROM {names.lookup} "
        f"GROUP BY id, id_key_type HAVING COUNT(DISTINCT {kind}) > 1) AS d",
    )
    results.append(
        CheckResult(
            "unification_lookup_unique",
            CheckStatus.PASS if duplicated == 0 else CheckStatus.FAIL,
            f"{duplicated} ids belong to more than one profile",
            where,
            {"ids_in_several_profiles": duplicated},
        )
    )
    return results


def _check_enriched(
    target: Target, names: ProjectTables, table: tuple[str, str, str]
) -> tuple[CheckResult, int, int]:
    """One enriched table: it exists and holds every staged row; (result, staged rows, with id)."""
    database, staged, enriched = table
    where = f"{names.output_database}.{enriched}"
    source = _count(target, f"SELECT COUNT(*) FROM {quote(database)}.{quote(staged)}")
    try:
        target.columns(names.output_database, enriched)
    except NotFoundError:
        failed = CheckResult(
            "unification_enriched", CheckStatus.FAIL, f"{where} does not exist", where
        )
        return failed, source, 0
    rows, with_id = target.query(
        f"SELECT COUNT(*), COUNT({quote(names.id_name)}) FROM {names.table(enriched)}"
    ).rows[0]
    status = CheckStatus.PASS if rows == source else CheckStatus.FAIL
    detail = f"{rows} rows, {with_id} with an id (staged: {source})"
    metrics = {"rows": int(rows), "with_id": int(with_id)}
    return CheckResult("unification_enriched", status, detail, where, metrics), source, int(with_id)


def check_coverage(target: Target, names: ProjectTables, threshold: float) -> list[CheckResult]:
    """Per enriched table: it exists and holds its staged rows; overall share of staged rows with
    an id (a missing enriched table counts as rows without one)."""
    results, per_table, total, covered = [], {}, 0, 0
    for table in names.tables:
        result, source, with_id = _check_enriched(target, names, table)
        results.append(result)
        per_table[table[1]] = round(with_id / source, 4) if source else 1.0
        total, covered = total + source, covered + with_id
    coverage = covered / total if total else 0.0
    status = CheckStatus.PASS if total and coverage >= threshold else CheckStatus.FAIL
    detail = (
        f"{coverage:.1%} of {total} staged rows carry {names.id_name} "
        f"({'≥' if status is CheckStatus.PASS else '<'} {threshold:.0%} required)"
    )
    metrics = {"coverage": round(coverage, 4), "rows": total, "rows_with_id": covered,
               "threshold": threshold, "per_table": per_table}  # fmt: skip
    results.append(CheckResult("unification_coverage", status, detail, None, metrics))
    return results


def _histograms(target: Target, names: ProjectTables) -> dict[str, dict[int, int]]:
    """Per key: {ids of that key in one profile: profiles}, zero included (TD's histogram_<key>)."""
    kind = quote(names.kind)
    rows = target.query(
        f"SELECT id_key_type, n, COUNT(*) AS profiles FROM (SELECT {kind}, id_key_type, "
        f"COUNT(DISTINCT id) AS n FROM {names.lookup} GROUP BY {kind}, id_key_type) AS per "
        "GROUP BY id_key_type, n ORDER BY id_key_type, n"
    ).rows
    profiles = _count(target, f"SELECT COUNT(DISTINCT {kind}) FROM {names.lookup}")
    histograms: dict[str, dict[int, int]] = {key: {} for key in names.keys}
    for ns, n, count in rows:
        histograms[names.keys[int(ns) - 1]][int(n)] = int(count)
    for histogram in histograms.values():
        histogram[0] = profiles - sum(histogram.values())
        histogram.update(dict(sorted(histogram.items())))
    return histograms


def check_profiles(target: Target, names: ProjectTables) -> CheckResult:
    """Largest profile, merge-size buckets and per-key histograms; WARN on an oversized profile."""
    kind = quote(names.kind)
    sizes = target.query(
        f"SELECT n, COUNT(*) FROM (SELECT {kind}, COUNT(*) AS n FROM {names.lookup} "
        f"GROUP BY {kind}) AS s GROUP BY n ORDER BY n"
    ).rows
    largest = max((int(n) for n, _ in sizes), default=0)
    buckets = {"1": 0, "2": 0, "3-5": 0, "6-10": 0, "11+": 0}
    for n, count in sizes:
        n = int(n)
        label = (
            "1" if n == 1 else "2" if n == 2 else "3-5" if n <= 5 else "6-10" if n <= 10 else "11+"
        )
        buckets[label] += int(count)
    status = CheckStatus.WARN if largest > LARGE_PROFILE_IDS else CheckStatus.PASS
    metrics = {"largest_profile": largest, "merge_sizes": buckets,
               "histograms": _histograms(target, names)}  # fmt: skip
    detail = f"largest profile holds {largest} ids"
    return CheckResult("unification_profiles", status, detail, names.lookup, metrics)


def check_exclusions(target: Target, names: ProjectTables) -> CheckResult:
    """The junk values the guard kept out of merging (the prep workflow's exclusions table)."""
    table = f"{names.id_name}_exclusions"
    where = f"{names.prep_database}.{table}"
    try:
        target.columns(names.prep_database, table)
    except NotFoundError:
        return CheckResult(
            "unification_exclusions", CheckStatus.FAIL, f"{where} does not exist", where
        )
    result = target.query(
        "SELECT key_name, key_value, pattern, source_table, row_count "
        f"FROM {quote(names.prep_database)}.{quote(table)} "
        f"ORDER BY row_count DESC, key_name, key_value LIMIT {MAX_LISTED_EXCLUSIONS}"
    )
    count = _count(target, f"SELECT COUNT(*) FROM {quote(names.prep_database)}.{quote(table)}")
    listed = result.records()
    shown = ", ".join(f"{r['key_name']}={r['key_value']!r}" for r in listed[:5])
    detail = f"{count} junk values kept out of merging" + (f": {shown}" if shown else "")
    return CheckResult(
        "unification_exclusions", CheckStatus.PASS, detail, where,
        {"excluded_values": count, "excluded": listed},
    )  # fmt: skip


def check_unification(context: PhaseContext, directory: Path) -> list[CheckResult]:
    """Every check of the unification phase, on the project in ``directory``."""
    settings = context.pipeline.unification
    names = ProjectTables.read(directory)
    results = check_lookup(context.target, names)
    if results[0].status is CheckStatus.FAIL:
        return results
    results += check_coverage(context.target, names, settings.coverage_threshold)
    results.append(check_profiles(context.target, names))
    results.append(check_exclusions(context.target, names))
    if settings.truth_file:
        results.append(check_truth(context, names.tables, names.output_database, names.id_name))
    return results
