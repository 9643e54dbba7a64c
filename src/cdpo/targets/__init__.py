"""Targets: where generated Digdag projects run (``local`` on DuckDB, ``td`` on Treasure Data)."""

from __future__ import annotations

from cdpo.targets.base import (
    DEFAULT_CALL_TIMEOUT,
    Attempt,
    AttemptStatus,
    Column,
    QueryResult,
    Revision,
    SessionRef,
    TableInfo,
    Target,
    TargetCapabilities,
    TaskInfo,
    TaskState,
)

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "Attempt",
    "AttemptStatus",
    "Column",
    "QueryResult",
    "Revision",
    "SessionRef",
    "TableInfo",
    "Target",
    "TargetCapabilities",
    "TaskInfo",
    "TaskState",
]
