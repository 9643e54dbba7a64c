"""Pre-flight (``cdpo doctor``, and before every run): the prerequisite checks of spec §1.3.

Checks run against the target: credentials, the pipeline's databases, and each input table a phase
reads that no earlier phase creates (exists, ``time`` bigint column, rows, freshness, identifier
columns). CRITICAL findings block the run; WARNINGs are shown in the summary the user confirms
before anything runs (D1, ``confirm.py``); INFO is reported. Without a target (``target: td`` and no
``TD_API_KEY``) the checks that need none still run, so doctor lists every finding it can.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdpo.config import api_key
from cdpo.errors import AuthenticationError, CdpoError, ConfigError, TargetError
from cdpo.orchestrator.events import EventKind
from cdpo.orchestrator.plan import PhaseAvailability, phase_availability
from cdpo.phases import Phase, PhaseName
from cdpo.sql import quote_identifier
from cdpo.targets import Target

if TYPE_CHECKING:
    from cdpo.orchestrator.runner import Orchestrator

__all__ = ["Finding", "Severity", "doctor", "missing_databases", "run_preflight", "warnings_of"]

STALE_AFTER_DAYS = 7
_IDENTIFIER_COLUMN = re.compile(
    r"email|user_?id|phone|cookie|td_client_id|customer_?id|account_?id|device_?id", re.IGNORECASE
)
_GITIGNORE_ENTRIES = ("pipeline_state.json", "pipeline_logs/", ".cdpo/")


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One prerequisite check's result; ``ok`` findings are reported as INFO."""

    severity: Severity
    check: str
    detail: str
    table: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items() if v is not None}


def doctor(pipeline: Any, target: Target | None, phases: Sequence[Phase]) -> list[Finding]:
    """Every pre-flight finding, in the order spec §1.3 checks them (connectivity first).

    ``target`` is None when it cannot be opened without credentials: the checks that need it are
    reported as not done, the others still run.
    """
    findings = list(_credentials(pipeline, target))
    if any(f.severity is Severity.CRITICAL for f in findings):
        target = None  # unreachable or refused: report what needs no target
    if target is not None:
        findings += _databases(pipeline, target)
    findings += _availability(pipeline, phases)
    if target is not None:
        findings += _inputs(pipeline, target, phases)
    else:
        findings.append(
            Finding(
                Severity.INFO,
                "not_checked",
                "databases and input tables not checked: no connection to the target",
            )
        )
    findings += _workspace(Path(pipeline.root))
    return findings


def _credentials(pipeline: Any, target: Target | None) -> Iterator[Finding]:
    if pipeline.target == "td" and api_key() is None:
        yield Finding(
            Severity.CRITICAL,
            "credentials",
            "TD_API_KEY is not set: export TD_API_KEY=<your master or write-only API key>",
        )
        return
    if target is None:
        return
    try:
        count = len(target.databases())
    except AuthenticationError as error:
        yield Finding(Severity.CRITICAL, "credentials", f"the target refused the API key: {error}")
    except TargetError as error:
        yield Finding(Severity.CRITICAL, "connectivity", f"cannot reach the target: {error}")
    else:
        yield Finding(
            Severity.INFO, "connectivity", f"{target.name} target answers ({count} databases)"
        )


def _databases(pipeline: Any, target: Target) -> Iterator[Finding]:
    existing = set(target.databases())
    for role, name in pipeline.databases.model_dump().items():
        if name in existing:
            yield Finding(Severity.INFO, "database", f"{role} database {name} exists")
        elif pipeline.orchestration.create_missing_databases:
            yield Finding(
                Severity.WARNING,
                "database_missing",
                f"{role} database {name} will be created",
                name,
            )
        else:
            yield Finding(
                Severity.CRITICAL,
                "database_missing",
                f"{role} database {name} does not exist",
                name,
            )


def _availability(pipeline: Any, phases: Sequence[Phase]) -> Iterator[Finding]:
    for name in PhaseName:
        availability, _ = phase_availability(name, pipeline, phases)
        if availability is PhaseAvailability.UNAVAILABLE:
            yield Finding(
                Severity.WARNING,
                "phase_unavailable",
                f"{name.value}: {availability.value}; it will be skipped",
            )


def _inputs(pipeline: Any, target: Target, phases: Sequence[Phase]) -> Iterator[Finding]:
    """Input tables of each phase that no earlier phase creates (a data dependency, spec §1.1)."""
    produced: set[str] = set()
    for name in PhaseName:
        availability, phase = phase_availability(name, pipeline, phases)
        if availability is not PhaseAvailability.RUN or phase is None:
            continue
        for table in phase.inputs(pipeline):
            if table not in produced:
                yield from _check_table(target, table)
        produced |= set(phase.plan(pipeline).tables)


def _check_table(target: Target, table: str) -> Iterator[Finding]:
    database, _, name = table.rpartition(".")
    try:
        columns = {c.name: c.type.lower() for c in target.columns(database, name)}
    except TargetError:
        yield Finding(Severity.CRITICAL, "table_exists", "input table does not exist", table)
        return
    if columns.get("time") not in {"bigint", "long", "integer", "int"}:
        yield Finding(
            Severity.CRITICAL,
            "time_column",
            "no bigint 'time' column (every TD table has one)",
            table,
        )
        return
    info = next((t for t in target.tables(database) if t.name == name), None)
    if info is None or info.row_count == 0:
        yield Finding(Severity.WARNING, "has_data", "the table is empty", table)
    else:
        where = f"{quote_identifier(database)}.{quote_identifier(name)}"
        newest = target.query(f'SELECT MAX("time") FROM {where}').scalar()
        age_days = (time.time() - (newest or 0)) / 86400
        if age_days > STALE_AFTER_DAYS:
            yield Finding(
                Severity.WARNING, "freshness", f"newest row is {age_days:.0f} days old", table
            )
    if not any(_IDENTIFIER_COLUMN.search(c) for c in columns):
        yield Finding(
            Severity.WARNING,
            "identifiers",
            "no identifier column (email, user_id, phone, cookie…)",
            table,
        )


def _workspace(root: Path) -> Iterator[Finding]:
    gitignore = root / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    missing = [entry for entry in _GITIGNORE_ENTRIES if entry not in text]
    if missing:
        yield Finding(Severity.INFO, "gitignore", f".gitignore should list: {', '.join(missing)}")


def run_preflight(orchestrator: Orchestrator, findings: Sequence[Finding]) -> CdpoError | None:
    """Pre-flight inside a run, once the user confirmed its summary (D1): record the findings,
    stop on a CRITICAL one, create the missing databases the summary announced."""
    state = orchestrator.state
    assert state is not None
    state.preflight = [f.as_dict() for f in findings]
    for finding in findings:
        where = f" {finding.table}:" if finding.table else ""
        orchestrator.emit(
            EventKind.PREFLIGHT,
            f"{finding.severity.value} {finding.check}:{where} {finding.detail}",
        )
    critical = [f for f in findings if f.severity is Severity.CRITICAL]
    if critical:
        return ConfigError(
            "pre-flight found critical problems: "
            + "; ".join(f"{f.table or f.check}: {f.detail}" for f in critical),
            hint="Fix them, check with `cdpo doctor`, then `cdpo run`.",
        )
    for database in missing_databases(findings):
        orchestrator.target.create_database(database)
        orchestrator.emit(EventKind.PREFLIGHT, f"created database {database}")
    return None


def missing_databases(findings: Sequence[Finding]) -> list[str]:
    """The databases pre-flight will create (``orchestration.create_missing_databases``)."""
    return [f.table for f in findings if f.check == "database_missing" and f.table]


def warnings_of(findings: Sequence[Finding]) -> tuple[str, ...]:
    """The WARNING findings a "proceed" accepts; databases to create are announced, not warned."""
    return tuple(
        f"{f.table or f.check}: {f.detail}"
        for f in findings
        if f.severity is Severity.WARNING and f.check != "database_missing"
    )
