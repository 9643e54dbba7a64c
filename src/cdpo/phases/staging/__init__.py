"""Phase 3, staging: clean, join and deduplicate each hist-union table into the staging database."""

from __future__ import annotations

from cdpo.phases.staging.model import (
    StagingModel,
    StagingTable,
    build_staging_model,
    staging_table_name,
)
from cdpo.phases.staging.phase import StagingPhase
from cdpo.phases.staging.settings import StagingSettings

__all__ = [
    "StagingModel",
    "StagingPhase",
    "StagingSettings",
    "StagingTable",
    "build_staging_model",
    "staging_table_name",
]
