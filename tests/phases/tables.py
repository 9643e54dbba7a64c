"""Helpers of the phase tests: create and fill warehouse tables through a target (in TD SQL), run a
generated project, read rows back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdpo.phases.base import GeneratedProject
from cdpo.targets.base import AttemptStatus, Target
from cdpo.targets.local import LocalTarget


def values_sql(rows: Sequence[tuple[Any, ...]]) -> str:
    """``(1, 'a'), (2, NULL)``: rows as a VALUES list, strings quoted, None as NULL."""
    return ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)


def create_table(
    target: Target, table: str, columns: str, rows: Sequence[tuple[Any, ...]] = ()
) -> None:
    """Create ``table`` (``db.name``) with ``columns`` (SQL) and insert ``rows``, in one call."""
    insert = f"; INSERT INTO {table} VALUES {values_sql(rows)}" if rows else ""
    target.query(f"CREATE TABLE {table} ({columns}){insert}")


def insert_rows(target: Target, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Append ``rows`` to ``table`` (``db.name``)."""
    if rows:
        target.query(f"INSERT INTO {table} VALUES {values_sql(rows)}")


def run(target: LocalTarget, project: GeneratedProject) -> None:
    """Push and run the project's first workflow; fail the test with the failed tasks' errors."""
    target.push(project.directory, project.project)
    attempt = target.run(project.project, project.runs[0].workflow)
    errors = [f"{t.full_name}: {t.error}" for t in attempt.tasks if t.error]
    assert attempt.status is AttemptStatus.SUCCESS, "\n".join(errors[-3:])


def rows(target: Target, sql: str) -> list[dict[str, Any]]:
    """The rows of a query as dictionaries."""
    return target.query(sql).records()


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)
