"""The ``unification`` section of pipeline.yml: how staged tables are unified into customer ids.

Fields from spec-orchestrator-ingestion-histunion.md §1.2 (phase 4) and spec-staging-unification.md §2
(unify.yml). Empty ``tables`` or ``keys`` mean "derive from the staging output"; ``None`` databases are
resolved by the pipeline (``cdp_unification_{client}``, ``{client}_config``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["UnificationKey", "UnificationSettings"]

_NAME = r"^[a-z_][a-z0-9_]{0,127}$"


class UnificationKey(BaseModel):
    """One identifier type (unify.yml ``keys[]``): which values count as valid."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME, description="Key type name: email, phone, td_client_id, …")
    valid_regexp: str | None = Field(
        default=None, max_length=512, description="A value is valid only if this regex matches it."
    )
    invalid_texts: tuple[str | None, ...] = Field(
        default=(), max_length=127, description="Exact values treated as invalid ('' , 'null', …)."
    )


class UnificationSettings(BaseModel):
    """Phase 4: ID unification over the staging tables, TD's unify.yml algorithm."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True, description="Run this phase (false keeps the section but skips it)."
    )
    name: str = Field(
        pattern=_NAME, description="Unification name, prefix of its output tables (customer_360)."
    )
    id_method: Literal["persistent_id", "canonical_id"] = Field(
        default="persistent_id", description="persistent_id (stable ids, default) or canonical_id."
    )
    update_strategy: Literal["incremental", "full"] = Field(
        default="incremental",
        description="incremental (default) or full recomputation on every run.",
    )
    keys: tuple[UnificationKey, ...] = Field(
        default=(),
        description="Identifier types in merge priority order; default: derived from staging.",
    )
    tables: tuple[str, ...] = Field(
        default=(), description="Staging tables to unify; default: every staging output table."
    )
    merge_iterations: int = Field(
        default=3, gt=0, lt=50, description="Maximum merge iterations of a full run (TD default 3)."
    )
    coverage_threshold: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="VALIDATE fails when fewer enriched rows get an id.",
    )
    target_database: str | None = Field(
        default=None, pattern=_NAME, description="Output database; default: databases.unification."
    )
    lookup_database: str | None = Field(
        default=None, pattern=_NAME, description="Lookup database; default: databases.config."
    )
    project: str = Field(
        default="unification", pattern=_NAME, description="Directory and TD project name."
    )
