"""The ``unification`` section of pipeline.yml: how staged tables are unified into customer ids.

Fields from spec-orchestrator-ingestion-histunion.md §1.2 (phase 4) and spec-staging-unification.md §2
(unify.yml). Empty ``tables`` or ``keys`` mean "derive from the staging output"; ``None`` databases are
resolved by the pipeline (``cdp_unification_{client}``, ``{client}_config``). ``key_columns`` overrides
what key discovery found, column by column; ``blocked_values`` are cdpo's over-merge
guard (TD has none beyond ``invalid_texts``, td-apis-digdag-and-peers.md §D.5).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["UnificationKey", "UnificationSettings"]

_NAME = r"^[a-z_][a-z0-9_]{0,127}$"
_COLUMN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"


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
        pattern=_NAME,
        description="Id column name and prefix of the output tables (customer_360 → "
        "customer_360_lookup).",
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
        description="Identifier types in merge priority order; default: discovered from staging.",
    )
    key_columns: dict[str, dict[str, str | None]] = Field(
        default_factory=dict,
        description="Per staged table, column → key name, overriding discovery; null drops a "
        "discovered column (e.g. {orders: {buyer_ref: customer_id, email: null}}).",
    )
    tables: tuple[str, ...] = Field(
        default=(), description="Staging tables to unify; default: every staging output table."
    )
    merge_iterations: int = Field(
        default=15,
        gt=0,
        lt=50,
        description="Loop cap of a full run (TD's default 3 is too small for long chains, "
        "spec §3.4); not converging within it fails the run.",
    )
    incremental_merge_iterations: int = Field(
        default=10, gt=0, lt=50, description="Loop cap of an incremental run."
    )
    blocked_values: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Per key, regular expressions (case-insensitive) of junk values never used to "
        "merge; replaces that key's defaults. Merges already made stay until a full run (an "
        "incremental run starts from the previous graph).",
    )
    default_blocked_values: bool = Field(
        default=True,
        description="Block the default junk values per key type (test@…, noreply@…, 000…, unknown).",
    )
    coverage_threshold: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="VALIDATE fails when fewer staged rows get an id.",
    )
    sample_rows: int = Field(
        default=1000, gt=0, le=100_000, description="Rows sampled per table by key discovery."
    )
    truth_file: str | None = Field(
        default=None,
        description="Parquet of true identities (table_name, record_id, person_id), relative to "
        "pipeline.yml; VALIDATE then reports precision/recall/F1 of the merges.",
    )
    truth_record_ids: dict[str, str] = Field(
        default_factory=dict,
        description="Per staged table, the column holding the truth's record_id; default: read "
        "from the demo data set's manifest (dataset.json) above the truth file.",
    )
    target_database: str | None = Field(
        default=None,
        pattern=r"^cdp_unification_[a-z0-9_]+$",
        description="Output database; default: databases.unification (TD names it "
        "cdp_unification_{unify.yml name}).",
    )
    lookup_database: str | None = Field(
        default=None, pattern=_NAME, description="Prep-table database; default: databases.config."
    )
    project: str = Field(
        default="unification", pattern=_NAME, description="Directory and TD project name."
    )
