"""Phase 1, ingestion: generate, run and validate the Digdag project that loads raw sources."""

from __future__ import annotations

from cdpo.phases.ingestion.digyaml import Include, dump_dig
from cdpo.phases.ingestion.families import FAMILIES, ConnectorType
from cdpo.phases.ingestion.model import IngestionModel, build_model
from cdpo.phases.ingestion.names import (
    check_column,
    check_identifier,
    quote,
    quote_literal,
    split_table,
)
from cdpo.phases.ingestion.phase import IngestionPhase
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
    "Include",
    "IngestMode",
    "IngestionModel",
    "IngestionPhase",
    "IngestionSettings",
    "ObjectSettings",
    "SourceSettings",
    "build_model",
    "check_column",
    "check_identifier",
    "dump_dig",
    "quote",
    "quote_literal",
    "split_table",
]
