"""The ``local`` target: cdpo's own Digdag runtime, a worker process per attempt, and DuckDB."""

from __future__ import annotations

from cdpo.targets.local.target import DEFAULT_WAIT_TIMEOUT, LocalTarget

__all__ = ["DEFAULT_WAIT_TIMEOUT", "LocalTarget"]
