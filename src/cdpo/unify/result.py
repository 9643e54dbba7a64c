"""What a unification run returns: per id, the numbers a report needs and what guards excluded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cdpo.unify.guards import ComponentAlarm, ExcludedValue

__all__ = ["IdResult", "UnifyResult", "parse_histogram"]


def parse_histogram(text: str | None) -> dict[int, int]:
    """``"1:10,2:3"`` (TD's ``histogram_<key>``) → ``{1: 10, 2: 3}``.

    Example:
        >>> parse_histogram("0:2,1:10,3:1")
        {0: 2, 1: 10, 3: 1}
    """
    if not text:
        return {}
    pairs = (item.split(":") for item in text.split(","))
    return {int(n): int(c) for n, c in pairs}


@dataclass(frozen=True)
class IdResult:
    """One canonical or persistent id of a run.

    ``iterations`` counts loop iterations including the final one that changed nothing (0 on the
    fast path, which does not iterate); ``changes`` holds each iteration's changed edges.
    ``histograms`` maps a key to {ids of that key in a profile: profiles}. ``excluded`` lists at
    most 1000 of the ``excluded_count`` values guards kept out; ``{id}_excluded_values`` has all.
    """

    name: str
    kind: str
    engine: str
    mode: str
    source_rows: int
    ids: int
    profiles: int
    largest_profile: int
    iterations: int = 0
    changes: tuple[int, ...] = ()
    histograms: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    excluded: tuple[ExcludedValue, ...] = ()
    excluded_count: int = 0
    alarms: tuple[ComponentAlarm, ...] = ()


@dataclass(frozen=True)
class UnifyResult:
    """A whole run: the output schema, each id's result, the tables written and config warnings."""

    schema: str
    ids: tuple[IdResult, ...]
    tables: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def id(self, name: str) -> IdResult:
        """The result of the id called ``name``."""
        return next(r for r in self.ids if r.name == name)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``serve_workflow_call`` returns): lists, string keys."""
        return json.loads(json.dumps(asdict(self)))  # type: ignore[no-any-return]
