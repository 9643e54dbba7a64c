"""VALIDATE for unification, on the data (spec-staging-unification.md §5.2, §7.16): the lookup exists,
is unique per (id, key type) (unless ``do_not_merge_key`` shares ids on purpose), every enriched
table holds its staged rows and every master table one row per profile; coverage (share of
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
from cdpo.phases.ingestion import quote, quote_literal
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
    masters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(master table, its attribute columns) per master table."""
    do_not_merge_key: str | None = None

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
            tuple(
                (m["name"], tuple(a["name"] for a in m["attributes"]))
                for m in unify.get("master_tables") or ()
            ),
            definition.get("do_not_merge_key"),
        )

    def table(self, name: str) -> str:
        return f"{quote(self.output_database)}.{quote(name)}"

    @property
    def lookup(self) -> str:
        return self.table(f"{self.id_name}_lookup")


def _row_counts(target: Target, database: str) -> dict[str, int]:
    """Table name → rows of ``database`` in one call (empty when the database is missing)."""
    try:
        return {t.name: t.row_count for t in target.tables(database)}
    except NotFoundError:
        return {}


def _missing(name: str, where: str) -> CheckResult:
    return CheckResult(name, CheckStatus.FAIL, f"{where} does not exist", where)


def check_lookup(target: Target, names: ProjectTables, present: set[str]) -> list[CheckResult]:
    """The lookup exists, holds ids, and no (id, key type) belongs to two profiles."""
    where = f"{names.output_database}.{names.id_name}_lookup"
    if f"{names.id_name}_lookup" not in present:
        return [_missing("unification_lookup", where)]
    kind = quote(names.kind)
    ids, profiles, duplicated = (int(v) for v in target.query(
        f"SELECT COUNT(*), COUNT(DISTINCT {kind}), (SELECT COUNT(*) FROM (SELECT id FROM "
        f"{names.lookup} GROUP BY id, id_key_type HAVING COUNT(DISTINCT {kind}) > 1) AS d) "
        f"FROM {names.lookup}"
    ).rows[0])  # fmt: skip
    ratio = round(ids / profiles, 3) if profiles else 0.0
    unique = duplicated == 0 or names.do_not_merge_key is not None
    shared = f"{duplicated} ids belong to more than one profile"
    if duplicated and names.do_not_merge_key is not None:  # TD p6: a follower keeps two leaders
        shared += f" (expected: do_not_merge_key {names.do_not_merge_key} keeps them apart)"
    return [
        CheckResult(
            "unification_lookup", CheckStatus.PASS if ids else CheckStatus.FAIL,
            f"{ids} ids in {profiles} profiles", where,
            {"ids": ids, "profiles": profiles, "merge_ratio": ratio},
        ),
        CheckResult(
            "unification_lookup_unique",
            CheckStatus.PASS if unique else CheckStatus.FAIL, shared, where,
            {"ids_in_several_profiles": duplicated},
        ),
    ]  # fmt: skip


def _with_id(
    target: Target, names: ProjectTables, enriched: list[str]
) -> dict[str, tuple[int, int]]:
    """Enriched table → (rows, rows with an id), in one query."""
    if not enriched:
        return {}
    id_column = quote(names.id_name)
    union = " UNION ALL ".join(
        f"SELECT {quote_literal(t)} AS t, COUNT(*) AS n, COUNT({id_column}) AS k FROM {names.table(t)}"
        for t in enriched
    )
    return {t: (int(n), int(k)) for t, n, k in target.query(union).rows}


def check_coverage(
    target: Target, names: ProjectTables, threshold: float, present: set[str] | None = None
) -> list[CheckResult]:
    """Per enriched table: it exists and holds its staged rows; overall share of staged rows with
    an id (a missing enriched table counts as rows without one). ``present``: the output
    database's tables, when the caller has them already."""
    staged_rows = {db: _row_counts(target, db) for db in {d for d, _, _ in names.tables}}
    if present is None:
        present = set(_row_counts(target, names.output_database))
    counts = _with_id(target, names, [e for _, _, e in names.tables if e in present])
    results, per_table, total, covered = [], {}, 0, 0
    for database, staged, enriched in names.tables:
        where, source = f"{names.output_database}.{enriched}", staged_rows[database].get(staged, 0)
        if enriched in counts:
            rows, with_id = counts[enriched]
            status = CheckStatus.PASS if rows == source else CheckStatus.FAIL
            detail = f"{rows} rows, {with_id} with an id (staged: {source})"
            metrics = {"rows": rows, "with_id": with_id}
            results.append(CheckResult("unification_enriched", status, detail, where, metrics))
        else:
            with_id = 0
            results.append(_missing("unification_enriched", where))
        per_table[staged] = round(with_id / source, 4) if source else 1.0
        total, covered = total + source, covered + with_id
    return [*results, _coverage_result(names, total, covered, threshold, per_table)]


def _coverage_result(
    names: ProjectTables, total: int, covered: int, threshold: float, per_table: dict[str, float]
) -> CheckResult:
    coverage = covered / total if total else 0.0
    status = CheckStatus.PASS if total and coverage >= threshold else CheckStatus.FAIL
    detail = (
        f"{coverage:.1%} of {total} staged rows carry {names.id_name} "
        f"({'≥' if status is CheckStatus.PASS else '<'} {threshold:.0%} required)"
    )
    metrics = {"coverage": round(coverage, 4), "rows": total, "rows_with_id": covered,
               "threshold": threshold, "per_table": per_table}  # fmt: skip
    return CheckResult("unification_coverage", status, detail, None, metrics)


def _histograms(target: Target, names: ProjectTables, profiles: int) -> dict[str, dict[int, int]]:
    """Per key: {ids of that key in one profile: profiles}, zero included (TD's histogram_<key>)."""
    kind = quote(names.kind)
    rows = target.query(
        f"SELECT id_key_type, n, COUNT(*) AS profiles FROM (SELECT {kind}, id_key_type, "
        f"COUNT(DISTINCT id) AS n FROM {names.lookup} GROUP BY {kind}, id_key_type) AS per "
        "GROUP BY id_key_type, n ORDER BY id_key_type, n"
    ).rows
    histograms: dict[str, dict[int, int]] = {key: {} for key in names.keys}
    for ns, n, count in rows:
        histograms[names.keys[int(ns) - 1]][int(n)] = int(count)
    return {
        key: dict(sorted({0: profiles - sum(h.values()), **h}.items()))
        for key, h in histograms.items()
    }


def _bucket(n: int) -> str:
    return "1" if n == 1 else "2" if n == 2 else "3-5" if n <= 5 else "6-10" if n <= 10 else "11+"


def check_profiles(target: Target, names: ProjectTables, profiles: int) -> CheckResult:
    """Largest profile, merge-size buckets and per-key histograms; WARN on an oversized profile."""
    kind = quote(names.kind)
    sizes = target.query(
        f"SELECT n, COUNT(*) FROM (SELECT {kind}, COUNT(*) AS n FROM {names.lookup} "
        f"GROUP BY {kind}) AS s GROUP BY n ORDER BY n"
    ).rows
    largest = max((int(n) for n, _ in sizes), default=0)
    buckets = dict.fromkeys(("1", "2", "3-5", "6-10", "11+"), 0)
    for n, count in sizes:
        buckets[_bucket(int(n))] += int(count)
    status = CheckStatus.WARN if largest > LARGE_PROFILE_IDS else CheckStatus.PASS
    metrics = {"largest_profile": largest, "merge_sizes": buckets,
               "histograms": _histograms(target, names, profiles)}  # fmt: skip
    detail = f"largest profile holds {largest} ids"
    return CheckResult("unification_profiles", status, detail, names.lookup, metrics)


def check_exclusions(target: Target, names: ProjectTables) -> CheckResult:
    """The junk values the guard kept out of merging (the prep workflow's exclusions table)."""
    table = f"{names.id_name}_exclusions"
    where = f"{names.prep_database}.{table}"
    count = _row_counts(target, names.prep_database).get(table)
    if count is None:
        return _missing("unification_exclusions", where)
    listed = target.query(
        "SELECT key_name, key_value, pattern, source_table, row_count "
        f"FROM {quote(names.prep_database)}.{quote(table)} "
        f"ORDER BY row_count DESC, key_name, key_value LIMIT {MAX_LISTED_EXCLUSIONS}"
    ).records()
    distinct = dict.fromkeys(f"{r['key_name']}={r['key_value']!r}" for r in listed)
    shown = ", ".join(list(distinct)[:5])
    detail = f"{count} junk values kept out of merging" + (f": {shown}" if shown else "")
    return CheckResult(
        "unification_exclusions", CheckStatus.PASS, detail, where,
        {"excluded_values": count, "excluded": listed},
    )  # fmt: skip


def check_masters(
    target: Target, names: ProjectTables, present: set[str], profiles: int
) -> list[CheckResult]:
    """Every master table exists with one row per profile; the share of rows each attribute
    fills is reported (spec §5.2, §5.3 item 7)."""
    results = []
    for table, attributes in names.masters:
        where = f"{names.output_database}.{table}"
        if table not in present:
            results.append(_missing("unification_master", where))
            continue
        counts = ", ".join(f"COUNT({quote(a)})" for a in attributes)
        total, *filled = (int(v) for v in target.query(
            f"SELECT COUNT(*), {counts} FROM {names.table(table)}"
        ).rows[0])  # fmt: skip
        ok = total > 0 and total == profiles
        shares = zip(attributes, filled, strict=True)
        coverage = {a: round(n / total, 4) if total else 0.0 for a, n in shares}
        detail = f"{total} rows for {profiles} profiles"
        detail += "" if ok else " (one per profile expected)"
        results.append(CheckResult(
            "unification_master", CheckStatus.PASS if ok else CheckStatus.FAIL, detail, where,
            {"rows": total, "attribute_coverage": coverage},
        ))  # fmt: skip
    return results


def check_unification(context: PhaseContext, directory: Path) -> list[CheckResult]:
    """Every check of the unification phase, on the project in ``directory``."""
    settings, target = context.pipeline.unification, context.target
    try:
        names = ProjectTables.read(directory)
    except (OSError, KeyError, TypeError, IndexError, yaml.YAMLError) as error:
        detail = f"the generated project in {directory} is missing or unreadable ({error}); "
        return [CheckResult("unification_generated", CheckStatus.FAIL, detail + "run GENERATE")]
    present = set(_row_counts(target, names.output_database))
    results = check_lookup(target, names, present)
    if results[0].status is CheckStatus.FAIL:
        return results
    profiles = results[0].metrics["profiles"]
    results += check_coverage(target, names, settings.coverage_threshold, present)
    results += check_masters(target, names, present, profiles)
    results.append(check_profiles(target, names, profiles))
    results.append(check_exclusions(target, names))
    if settings.truth_file:
        results.append(check_truth(context, names.tables, names.output_database, names.id_name))
    return results
