"""Phase 1, ingestion: generate, run and validate the Digdag project that loads raw sources."""

from __future__ import annotations

from cdpo.phases.ingestion.families import FAMILIES, ConnectorType
from cdpo.phases.ingestion.settings import (
    FileFormat,
    IngestionSettings,
    IngestMode,
    ObjectSettings,
    SourceSettings,
)

__all__ = [
    "FAMILIES",
    "ConnectorType",
    "FileFormat",
    "IngestMode",
    "IngestionSettings",
    "ObjectSettings",
    "SourceSettings",
]
