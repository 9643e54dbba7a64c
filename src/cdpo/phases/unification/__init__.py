"""Phase 4, ID unification: discover the staged tables' keys, write unify.yml and the TD-native
project (prep, ``http_call>`` to ``unifications/workflow_call``, enrichment), and validate coverage."""

from __future__ import annotations

from cdpo.phases.unification.discover import DiscoveredColumn, discover_columns
from cdpo.phases.unification.model import (
    UnificationModel,
    UnifiedTable,
    build_unification_model,
    unified_inputs,
)
from cdpo.phases.unification.phase import UnificationPhase
from cdpo.phases.unification.settings import (
    MasterAttribute,
    MasterSourceColumn,
    MasterTableSettings,
    UnificationKey,
    UnificationSettings,
)

__all__ = [
    "DiscoveredColumn",
    "MasterAttribute",
    "MasterSourceColumn",
    "MasterTableSettings",
    "UnificationKey",
    "UnificationModel",
    "UnificationPhase",
    "UnificationSettings",
    "UnifiedTable",
    "build_unification_model",
    "discover_columns",
    "unified_inputs",
]
