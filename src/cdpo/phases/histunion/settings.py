"""The ``hist_union:`` section of pipeline.yml: which tables to combine, and where.

``tables: all`` takes every object ingestion loads with both a history and an incremental table;
a list names tables as ``table`` or ``database.table`` (a trailing ``_hist``/``_histunion`` is
stripped to find the base, spec §3.1). Databases default to the pipeline's src and config ones.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cdpo.phases.ingestion.names import check_identifier, split_table

__all__ = ["HistUnionSettings", "base_name"]

_SUFFIXES = ("_histunion", "_hist")


def base_name(table: str) -> str:
    """The incremental (base) table name of any of the three names (spec §3.1).

    Example:
        >>> base_name("shopify_products_hist")
        'shopify_products'
    """
    for suffix in _SUFFIXES:
        if table.endswith(suffix) and len(table) > len(suffix):
            return table[: -len(suffix)]
    return table


class HistUnionSettings(BaseModel):
    """Phase 2: combine each ``{base}_hist`` and ``{base}`` into ``{base}_histunion``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="Set false to skip the hist-union phase.")
    project: str = Field(default="hist_union", description="Digdag project name and directory.")
    tables: Literal["all"] | list[str] = Field(
        default="all",
        description="'all' (every ingested object with history and increments) or a list of "
        "'table' / 'database.table' names; '_hist' and '_histunion' suffixes are stripped.",
    )
    source_database: str | None = Field(
        default=None,
        description="Database of tables given without one; default: the pipeline's src.",
    )
    target_database: str | None = Field(
        default=None,
        description="Database of the _histunion tables; default: each input table's own database.",
    )
    lookup_database: str | None = Field(
        default=None,
        description="Database of the inc_log watermark table; default: the pipeline's config database.",
    )
    full_load: list[str] = Field(
        default_factory=list,
        description="Base tables rebuilt whole on every run instead of appended (full snapshots, "
        "e.g. klaviyo_metric_data); ingestion's full-snapshot objects are added automatically.",
    )

    @field_validator("project", "source_database", "target_database", "lookup_database")
    @classmethod
    def _identifiers(cls, value: str | None) -> str | None:
        return None if value is None else check_identifier(value, "name")

    @field_validator("tables", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "all":
            return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]
        return value

    @field_validator("tables")
    @classmethod
    def _table_names(cls, value: Literal["all"] | list[str]) -> Literal["all"] | list[str]:
        if value != "all":
            for name in value:
                split_table(name)
        return value

    @field_validator("full_load")
    @classmethod
    def _full_load_names(cls, value: list[str]) -> list[str]:
        return [base_name(check_identifier(v, "full_load table")) for v in value]

    @model_validator(mode="after")
    def _unique_bases(self) -> HistUnionSettings:
        if self.tables != "all":
            keys = [(split_table(t)[0], base_name(split_table(t)[1])) for t in self.tables]
            if dupes := sorted(
                {f"{d + '.' if d else ''}{b}" for d, b in keys if keys.count((d, b)) > 1}
            ):
                raise ValueError(
                    f"tables listed twice (after removing _hist/_histunion): {', '.join(dupes)}"
                )
        return self
