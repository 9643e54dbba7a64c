"""The pipeline.yml model: global settings, databases, orchestration, and one section per phase.

Every field carries its ``description``: that is the user documentation and what error messages
quote. Secrets are never fields: the TD API key comes only from ``TD_API_KEY`` (``api_key()``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from cdpo.config.regions import REGIONS, RegionHosts
from cdpo.phases import PhaseName
from cdpo.phases.histunion import HistUnionSettings
from cdpo.phases.ingestion import IngestionSettings
from cdpo.phases.staging import StagingSettings
from cdpo.phases.unification import UnificationSettings

__all__ = [
    "GENERIC_CLIENT_NAMES",
    "Databases",
    "LocalSettings",
    "OrchestrationSettings",
    "PipelineConfig",
    "TdSettings",
    "api_key",
]

GENERIC_CLIENT_NAMES = frozenset(
    {"client", "demo", "test", "sample", "example", "customer", "default", "mck", "acme"}
)
"""Placeholder names the prerequisite validator refuses (spec §1.3 check 0, §4 rule 23)."""

_CLIENT = re.compile(r"^[a-z0-9_]{2,30}$")
_DATABASE = r"^[a-z0-9_]{3,128}$"


def api_key() -> str | None:
    """The TD API key, read from ``TD_API_KEY`` only; it is never stored anywhere by cdpo."""
    return os.environ.get("TD_API_KEY") or None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TdSettings(_Section):
    """Where the ``td`` target connects: a region, or explicit endpoints for private deployments."""

    region: Literal["us", "eu01", "jp", "ap02", "ap03"] = Field(
        default="us", description="TD region: us, eu01, jp, ap02 or ap03; picks the API hosts."
    )
    endpoint: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="REST API base URL; overrides the region's.",
    )
    workflow_endpoint: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="Workflow API base URL; overrides the region's.",
    )
    cdp_endpoint: str | None = Field(
        default=None, pattern=r"^https?://", description="CDP API base URL; overrides the region's."
    )

    @model_validator(mode="before")
    @classmethod
    def _no_key_in_file(cls, data: Any) -> Any:
        if isinstance(data, dict) and {"api_key", "apikey", "td_api_key"} & set(data):
            raise ValueError(
                "the TD API key is never written in pipeline.yml: remove it and "
                "`export TD_API_KEY=...` instead"
            )
        return data

    @property
    def hosts(self) -> RegionHosts:
        """The region's hosts with any explicit endpoint applied."""
        base = REGIONS[self.region]
        return RegionHosts(
            api=self.endpoint or base.api,
            workflow=self.workflow_endpoint or base.workflow,
            cdp=self.cdp_endpoint or base.cdp,
        )


class LocalSettings(_Section):
    """The embedded ``local`` target: cdpo's Digdag runtime on a DuckDB file."""

    warehouse: str = Field(
        default=".cdpo/warehouse.duckdb", description="DuckDB file, relative to pipeline.yml."
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb", description="SQL engine: duckdb or spark."
    )
    compression: Literal["auto", "light"] = Field(
        default="auto",
        description="How the DuckDB file compresses text: auto (smallest file) or light "
        "(no dictionary-FSST strings: faster table writes, a file about 3x larger).",
    )
    replay: str | None = Field(
        default=None,
        description="Replay mapping for SaaS connectors (local files standing in for APIs).",
    )


class Databases(_Section):
    """The TD databases of the pipeline; defaults derive from ``client``."""

    src: str = Field(pattern=_DATABASE, description="Raw and hist-union tables ({client}_src).")
    stg: str = Field(pattern=_DATABASE, description="Staging tables ({client}_stg).")
    config: str = Field(pattern=_DATABASE, description="Lookup/config tables ({client}_config).")
    unification: str = Field(
        pattern=_DATABASE, description="Unification output (cdp_unification_{client})."
    )

    @classmethod
    def defaults(cls, client: str) -> dict[str, str]:
        return {
            "src": f"{client}_src",
            "stg": f"{client}_stg",
            "config": f"{client}_config",
            "unification": f"cdp_unification_{client}",
        }


class OrchestrationSettings(_Section):
    """Timeouts, bounded retries and what to do, unattended, on a failure or a warning."""

    deploy_attempts: int = Field(
        default=3, ge=1, le=10, description="Push attempts before asking (3)."
    )
    poll_initial_seconds: float = Field(
        default=0.5, ge=0, description="First MONITOR poll delay (0.5 s)."
    )
    poll_max_seconds: float = Field(
        default=30.0, ge=0, description="Longest MONITOR poll delay (30 s)."
    )
    monitor_timeout_seconds: float = Field(
        default=7200.0, gt=0, description="How long MONITOR waits for one attempt (2 h)."
    )
    monitor_timeouts: dict[PhaseName, float] = Field(
        default_factory=dict, description="Per-phase MONITOR timeouts, e.g. {unification: 10800}."
    )
    retry_limit: int = Field(
        default=3, ge=0, le=20, description="Automatic retries of one step under on_failure: retry."
    )
    retry_delay_seconds: float = Field(
        default=2.0, ge=0, description="Base delay before retrying a transient target error."
    )
    on_failure: Literal["ask", "abort", "skip", "retry"] = Field(
        default="ask",
        description="On a failed step: ask (abort when unattended), abort, skip or retry.",
    )
    on_warning: Literal["ask", "proceed", "stop"] = Field(
        default="ask",
        description="On validation warnings: ask (stop when unattended), proceed or stop.",
    )
    create_missing_databases: bool = Field(
        default=True,
        description="Create the pipeline's databases in pre-flight when they are missing.",
    )

    def monitor_timeout(self, phase: PhaseName) -> float:
        return self.monitor_timeouts.get(phase, self.monitor_timeout_seconds)


class PipelineConfig(_Section):
    """A whole pipeline.yml. ``root`` is the directory it was loaded from."""

    client: str = Field(description="Client short name: 2-30 of a-z, 0-9, _ (not a generic name).")
    target: Literal["local", "td"] = Field(
        default="local", description="Where projects run: local (embedded Digdag on DuckDB) or td."
    )
    td: TdSettings = Field(default_factory=TdSettings, description="Treasure Data connection.")
    local: LocalSettings = Field(default_factory=LocalSettings, description="The local target.")
    databases: Databases = Field(description="The pipeline's databases.")
    orchestration: OrchestrationSettings = Field(
        default_factory=OrchestrationSettings, description="Timeouts, retries and policies."
    )
    ingestion: IngestionSettings | None = Field(default=None, description="Phase 1: ingestion.")
    hist_union: HistUnionSettings | None = Field(default=None, description="Phase 2: hist-union.")
    staging: StagingSettings | None = Field(default=None, description="Phase 3: staging.")
    unification: UnificationSettings | None = Field(
        default=None, description="Phase 4: unification."
    )

    _root: Path = PrivateAttr(default_factory=Path.cwd)

    @model_validator(mode="before")
    @classmethod
    def _default_databases(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("client"), str):
            return data
        given = data.get("databases") or {}
        if isinstance(given, dict):
            data = {**data, "databases": {**Databases.defaults(data["client"]), **given}}
        return data

    @field_validator("client")
    @classmethod
    def _client_name(cls, value: str) -> str:
        if not _CLIENT.match(value):
            raise ValueError(
                f"'{value}' is not a client name: use 2 to 30 characters of a-z, 0-9 and _ "
                "(e.g. northwind_retail)"
            )
        if value in GENERIC_CLIENT_NAMES:
            raise ValueError(
                f"'{value}' is a generic placeholder name; use the client's real short name "
                "(e.g. northwind_retail)"
            )
        return value

    @property
    def root(self) -> Path:
        return self._root

    def with_root(self, root: Path) -> PipelineConfig:
        """This config, remembering the directory of its pipeline.yml."""
        self._root = root
        return self

    def section(self, phase: PhaseName) -> Any:
        """The settings of ``phase``, or None when pipeline.yml has no such section."""
        return getattr(self, phase.value)
