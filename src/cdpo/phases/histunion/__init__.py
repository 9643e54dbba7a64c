"""Phase 2, hist-union: combine each history table with its incremental table, without loss or doubles."""

from __future__ import annotations

from cdpo.phases.histunion.model import HistUnionModel, UnionTable, build_union_model
from cdpo.phases.histunion.phase import HistUnionPhase
from cdpo.phases.histunion.schema import Alignment, align, widen
from cdpo.phases.histunion.settings import HistUnionSettings, base_name

__all__ = [
    "Alignment",
    "HistUnionModel",
    "HistUnionPhase",
    "HistUnionSettings",
    "UnionTable",
    "align",
    "base_name",
    "build_union_model",
    "widen",
]
