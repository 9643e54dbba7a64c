"""The ``staging`` section of pipeline.yml: which hist-union tables become cleaned staging tables,
and how each is cleaned (column classes, null tokens, phone country, dedup keys, joins, mode).

Fields from spec-orchestrator-ingestion-histunion.md §1.2 (phase 3) and spec-staging-unification.md
§1.1-§1.4, as typed models instead of the plugin's schemaless ``additional_rules`` (§7.1). Database
and table defaults are resolved by the pipeline (``{client}_stg``, ``{client}_config``, the hist-union
output tables), so ``None`` here means "derive it".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

__all__ = [
    "COLUMN_CLASSES",
    "DEFAULT_NULL_TOKENS",
    "DedupSettings",
    "JoinSettings",
    "StagingSettings",
    "TableRules",
]

_NAME = r"^[a-z_][a-z0-9_]{0,127}$"
_TABLE = r"^([a-z_][a-z0-9_]{0,127}\.)?[a-z_][a-z0-9_]{0,127}$"
_COLUMN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"

Column = Annotated[str, StringConstraints(pattern=_COLUMN)]

COLUMN_CLASSES = (
    "time", "id", "text", "email", "phone", "date", "numeric", "amount", "boolean", "json", "keep",
)  # fmt: skip
"""Column classes of spec §1.3 (``id`` and ``text`` split, §7.3); ``keep`` passes a column through."""
ColumnClass = Literal[
    "time", "id", "text", "email", "phone", "date", "numeric", "amount", "boolean", "json", "keep"
]

DEFAULT_NULL_TOKENS = ("", "NONE", "NULL", "N/A", "NA", "-")
"""Values meaning "no value", compared after TRIM and UPPER (spec §1.3, §6.1: NA included)."""


def _phone_country(value: str) -> str:
    """The ISO code of a supported phone country, upper-cased; else a ValueError listing them."""
    from cdpo.phases.staging.phones import COUNTRIES

    code = value.upper()
    if code not in COUNTRIES:
        raise ValueError(
            f"'{value}' is not a supported phone country; valid: {', '.join(sorted(COUNTRIES))}"
        )
    return code


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DedupSettings(_Section):
    """Keep one row per key: the latest by ``order_by`` (descending), within a run and across runs."""

    keys: tuple[Column, ...] = Field(
        min_length=1, description="Columns identifying a row (cleaned values are compared)."
    )
    order_by: tuple[Column, ...] = Field(
        default=("time",), description="Columns that say which row is latest, compared descending."
    )


class JoinSettings(_Section):
    """A dimension joined to the cleaned rows (spec §1.3 join dims): LEFT JOIN, ``{col}_dim`` out."""

    table: Annotated[str, StringConstraints(pattern=_TABLE)] = Field(
        description="Dimension table, db.table (default database: the staging source database)."
    )
    on: dict[Column, Column] = Field(
        min_length=1, description="Cleaned column of this table → column of the dimension."
    )
    columns: tuple[Column, ...] = Field(
        min_length=1, description="Dimension columns to add, each as {column}_dim."
    )


class TableRules(_Section):
    """Rules of one input table, keyed in ``staging.rules`` by its staging name (no _histunion)."""

    columns: dict[Column, ColumnClass] = Field(
        default_factory=dict,
        description="Column → class, overriding the classifier: " + ", ".join(COLUMN_CLASSES) + ".",
    )
    dedup: DedupSettings | None = Field(
        default=None,
        description="Deduplicate by these keys (never inferred from the data, spec §1.1).",
    )
    joins: tuple[JoinSettings, ...] = Field(
        default=(), description="Dimensions joined after cleaning."
    )
    mode: Literal["inc", "full"] | None = Field(
        default=None,
        description="inc (append new rows) or full (rebuild each run); default: staging.mode.",
    )
    depends_on: tuple[Annotated[str, StringConstraints(pattern=_NAME)], ...] = Field(
        default=(), description="Staging tables that must be built first (their wave runs earlier)."
    )
    default_country: str | None = Field(
        default=None,
        description="Phone country of this table's national numbers; default: staging's.",
    )

    @field_validator("default_country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        return None if value is None else _phone_country(value)


class StagingSettings(_Section):
    """Phase 3: clean, join and deduplicate each input table into ``{stg db}.{table}``."""

    enabled: bool = Field(
        default=True, description="Run this phase (false keeps the section but skips it)."
    )
    engine: Literal["presto", "hive"] = Field(
        default="presto",
        description="SQL engine the generated queries target: presto (default) or hive.",
    )
    source_database: str | None = Field(
        default=None,
        pattern=_NAME,
        description="Database of the input tables; default: databases.src.",
    )
    target_database: str | None = Field(
        default=None,
        pattern=_NAME,
        description="Database the staging tables go to; default: databases.stg.",
    )
    lookup_database: str | None = Field(
        default=None,
        pattern=_NAME,
        description="Database holding the inc_log watermarks; default: databases.config.",
    )
    tables: tuple[Annotated[str, StringConstraints(pattern=_TABLE)], ...] = Field(
        default=(),
        description="Input tables (table or db.table); default: every hist-union output table, "
        "plus every ingested table hist-union does not consume.",
    )
    project: str = Field(
        default="staging",
        pattern=_NAME,
        description="Directory and TD project name of the generated project.",
    )
    max_columns: int = Field(
        default=200,
        ge=1,
        le=1000,
        description="Columns kept per table (the plugin's limit is 200).",
    )
    on_too_many_columns: Literal["warn", "fail"] = Field(
        default="warn",
        description="Past max_columns: warn (keep the first ones, list the rest in VALIDATE) or fail.",
    )
    mode: Literal["inc", "full"] = Field(
        default="inc",
        description="inc: each run appends rows newer than the watermark; full: rebuild.",
    )
    null_tokens: tuple[str, ...] = Field(
        default=DEFAULT_NULL_TOKENS,
        description="Values turned into NULL, compared after TRIM and UPPER.",
    )
    default_country: str = Field(
        default="US",
        description="ISO country of phone numbers written without a +/00 country code.",
    )
    timezone: str = Field(
        default="UTC",
        pattern=r"^[A-Za-z_]+(/[A-Za-z_+-]+)*$",
        description="Zone of date strings that carry no offset; _std columns are always UTC.",
    )
    sample_rows: int = Field(
        default=500, ge=1, le=100_000, description="Rows sampled per table to classify its columns."
    )
    reject_warn_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="VALIDATE warns when a rule rejects more than this share of non-null values.",
    )
    rules: dict[Annotated[str, StringConstraints(pattern=_NAME)], TableRules] = Field(
        default_factory=dict,
        description="Per staging table (name without _histunion): column classes, dedup, joins.",
    )

    @field_validator("null_tokens")
    @classmethod
    def _upper_tokens(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(token.strip().upper() for token in value))

    @field_validator("default_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        return _phone_country(value)
