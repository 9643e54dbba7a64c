"""pipeline.yml: its model (every field, default and message), its loader, and its annotated example."""

from __future__ import annotations

from cdpo.config.example import example_pipeline, write_example
from cdpo.config.loader import PIPELINE_FILE, find_pipeline, load_pipeline, parse_pipeline
from cdpo.config.models import (
    GENERIC_CLIENT_NAMES,
    Databases,
    LocalSettings,
    OrchestrationSettings,
    PipelineConfig,
    TdSettings,
    api_key,
)
from cdpo.config.regions import REGIONS, RegionHosts

__all__ = [
    "GENERIC_CLIENT_NAMES",
    "PIPELINE_FILE",
    "REGIONS",
    "Databases",
    "LocalSettings",
    "OrchestrationSettings",
    "PipelineConfig",
    "RegionHosts",
    "TdSettings",
    "api_key",
    "example_pipeline",
    "find_pipeline",
    "load_pipeline",
    "parse_pipeline",
    "write_example",
]
