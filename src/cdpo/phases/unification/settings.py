"""The ``unification`` section of pipeline.yml: how staged tables are unified into customer ids.

Fields from spec-orchestrator-ingestion-histunion.md §1.2 (phase 4) and spec-staging-unification.md §2
(unify.yml). Empty ``tables`` or ``keys`` mean "derive from the staging output"; ``None`` databases are
resolved by the pipeline (``cdp_unification_{client}``, ``{client}_config``). ``key_columns`` overrides
what key discovery found, column by column; ``blocked_values`` are cdpo's over-merge
guard (TD has none beyond ``invalid_texts``, td-apis-digdag-and-peers.md §D.5). ``master_tables``
and ``do_not_merge_key`` are TD's unify.yml fields (§2, p6_do_not_merge), written in terms of the
staged tables; ``master_tables`` absent means cdpo's default golden-record table.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

__all__ = [
    "MasterAttribute",
    "MasterSourceColumn",
    "MasterTableSettings",
    "UnificationKey",
    "UnificationSettings",
]

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


def _repeated(values: list[Any]) -> Any:
    """The first value listed twice, else None."""
    return next((v for v, n in Counter(values).items() if n > 1), None)


class MasterSourceColumn(BaseModel):
    """One candidate source of a master attribute (unify.yml ``source_columns[]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(
        pattern=_NAME, description="A unified staging table, by name (TD's table alias, ``as``)."
    )
    column: str | None = Field(
        default=None, pattern=_COLUMN, description="Its column; default: the attribute name."
    )
    priority: int | None = Field(
        default=None,
        ge=1,
        description="Lower wins: a source is used only for profiles the better ones leave empty. "
        "Default: after the given priorities, in list order.",
    )
    order: Literal["last", "first"] = Field(
        default="last", description="last: the latest value wins; first: the earliest."
    )
    order_by: str = Field(
        default="time", pattern=_COLUMN, description="Column that orders the values (epoch time)."
    )


class MasterAttribute(BaseModel):
    """A column of a master table: one value per profile, or its top-N values as an array."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_COLUMN, description="Output column name.")
    array_elements: int | None = Field(
        default=None, ge=1, le=10, description="Keep the N best values as an array (1..10)."
    )
    valid_regexp: str | None = Field(
        default=None, max_length=512, description="Only values this regex matches are used."
    )
    invalid_texts: tuple[str | None, ...] = Field(
        default=(), max_length=127, description="Exact values never used."
    )
    source_columns: tuple[MasterSourceColumn, ...] = Field(
        min_length=1, description="Where the values come from, best first."
    )

    @field_validator("source_columns")
    @classmethod
    def _unique_priorities(
        cls, sources: tuple[MasterSourceColumn, ...]
    ) -> tuple[MasterSourceColumn, ...]:
        repeated = _repeated([s.priority for s in sources if s.priority is not None])
        if repeated is not None:
            raise ValueError(f"priority {repeated} is given to two source columns; use 1, 2, 3…")
        return sources


class MasterTableSettings(BaseModel):
    """A golden-record table in ``cdp_unification_{client}``: one row per profile (TD's
    unify.yml ``master_tables[]``); the id is this unification's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME, description="Output table name.")
    canonical_id: str | None = Field(
        default=None, description="TD's field; if given, must be unification.name."
    )
    persistent_id: str | None = Field(
        default=None, description="TD's field; if given, must be unification.name."
    )
    attributes: tuple[MasterAttribute, ...] = Field(
        min_length=1, max_length=512, description="The table's columns besides the id."
    )

    @model_validator(mode="after")
    def _unique_attributes(self) -> MasterTableSettings:
        repeated = _repeated([a.name for a in self.attributes])
        if repeated is not None:
            raise ValueError(f"attribute {repeated!r} is defined twice")
        if self.canonical_id is not None and self.persistent_id is not None:
            raise ValueError("give at most one of canonical_id and persistent_id")
        return self


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
    do_not_merge_key: str | None = Field(
        default=None,
        pattern=_NAME,
        description="TD's over-merge guard (p6_do_not_merge): records with different values of "
        "this key are never merged, even when other keys link them (e.g. customer_id: two "
        "customers sharing a family email stay two profiles). One of the keys; it becomes the "
        "first merge key, as TD requires. canonical_id only (TD: persistent ids lack it).",
    )
    master_tables: tuple[MasterTableSettings, ...] | None = Field(
        default=None,
        description="Golden-record tables, one row per profile (TD's master_tables). Absent: "
        "one default table {name}_master with an attribute per key (td_client_id/td_global_id "
        "as arrays of the 5 latest) and first_name, last_name, gender, birth_date and country "
        "where staged text columns have those names ({col}_std preferred). A value comes from "
        "customer/profile tables first, then the others, in the order of tables; within a "
        "source the latest by time wins. [] writes no master table.",
    )

    @field_validator("do_not_merge_key")
    @classmethod
    def _do_not_merge_key(cls, key: str | None, info: ValidationInfo) -> str | None:
        if key is None:
            return None
        if info.data.get("id_method") == "persistent_id":
            raise ValueError(
                "TD's persistent ids do not support do_not_merge_key; set id_method: canonical_id"
            )
        listed = [k.name for k in info.data.get("keys", ())]
        if listed and key not in listed:
            raise ValueError(f"{key!r} is not one of unification.keys ({', '.join(listed)})")
        if listed and listed[0] != key:
            raise ValueError(
                f"{key!r} must be listed first in unification.keys: TD requires "
                "do_not_merge_key to be the first of merge_by_keys"
            )
        return key

    @field_validator("master_tables")
    @classmethod
    def _master_ids(
        cls, masters: tuple[MasterTableSettings, ...] | None, info: ValidationInfo
    ) -> tuple[MasterTableSettings, ...] | None:
        name, method = info.data.get("name"), info.data.get("id_method")
        for i, master in enumerate(masters or ()):
            for field in ("canonical_id", "persistent_id"):
                given = getattr(master, field)
                if given is not None and (given != name or field != method):
                    raise ValueError(
                        f"master_tables[{i}].{field} is {given!r}; this unification's id is "
                        f"{method} {name!r} (or leave it out)"
                    )
        repeated = _repeated([m.name for m in masters or ()])
        if repeated is not None:
            raise ValueError(f"master table {repeated!r} is defined twice")
        return masters
