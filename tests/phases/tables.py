"""Test tables for the phase tests: create and fill a warehouse table through a target, in TD SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdpo.targets.base import Target


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


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)
