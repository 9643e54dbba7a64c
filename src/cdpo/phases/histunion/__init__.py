"""Phase 2, hist-union: combine each history table with its incremental table, without loss or doubles."""

from __future__ import annotations

from cdpo.phases.histunion.settings import HistUnionSettings, base_name

__all__ = ["HistUnionSettings", "base_name"]
