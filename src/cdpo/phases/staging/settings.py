"""The ``staging`` section of pipeline.yml: which hist-union tables become cleaned staging tables.

Fields from spec-orchestrator-ingestion-histunion.md §1.2 (phase 3) and spec-staging-unification.md §1.1.
Database and table defaults are resolved by the pipeline (``{client}_stg``, ``{client}_config``, the
hist-union output tables), so ``None`` here means "derive it".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["StagingSettings"]

_NAME = r"^[a-z_][a-z0-9_]{0,127}$"
_TABLE = r"^([a-z_][a-z0-9_]{0,127}\.)?[a-z_][a-z0-9_]{0,127}$"


class StagingSettings(BaseModel):
    """Phase 3: clean, join and deduplicate each input table into ``{stg db}.{table}_stg``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        True, description="Run this phase (false keeps the section but skips it)."
    )
    engine: Literal["presto", "hive"] = Field(
        "presto", description="SQL engine the generated queries target: presto (default) or hive."
    )
    source_database: str | None = Field(
        None, pattern=_NAME, description="Database of the input tables; default: databases.src."
    )
    target_database: str | None = Field(
        None,
        pattern=_NAME,
        description="Database the staging tables go to; default: databases.stg.",
    )
    lookup_database: str | None = Field(
        None,
        pattern=_NAME,
        description="Database holding staging_trnsfrm_rules; default: databases.config.",
    )
    tables: tuple[Annotated[str, StringConstraints(pattern=_TABLE)], ...] = Field(
        (),
        description="Input tables (table or db.table); default: every hist-union output table.",
    )
    project: str = Field(
        "staging",
        pattern=_NAME,
        description="Directory and TD project name of the generated project.",
    )
    max_columns: int = Field(
        200, ge=1, le=1000, description="Columns kept per table (the plugin's limit is 200)."
    )
