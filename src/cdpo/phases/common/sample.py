"""A sample of a live table's values, as text: what staging's classifier and unification's key
discovery read (spec-staging-unification.md §1.1 step 0: decide from real values, not guesses)."""

from __future__ import annotations

from collections.abc import Sequence

from cdpo.phases.ingestion import quote
from cdpo.targets.base import Column, Target

__all__ = ["sample_values"]

_NOT_SAMPLED = ("array", "map", "row")


def sample_values(
    target: Target, database: str, table: str, columns: Sequence[Column], rows: int
) -> dict[str, list[str]]:
    """Up to ``rows`` rows of ``database.table``, every scalar column as text, nulls left out;
    arrays, maps and rows are not sampled (no column key for them in the result)."""
    wanted = [c for c in columns if not c.type.lower().startswith(_NOT_SAMPLED)]
    if not wanted:
        return {}
    select = ", ".join(f"CAST({quote(c.name)} AS VARCHAR) AS {quote(c.name)}" for c in wanted)
    # Read by column: a sample is thousands of rows, and no Python tuple is made per row.
    result = target.query_arrow(
        f"SELECT {select} FROM {quote(database)}.{quote(table)} LIMIT {int(rows)}"
    )
    return {
        column.name: [str(v) for v in values.to_pylist() if v is not None]
        for column, values in zip(wanted, result.columns, strict=True)
    }
