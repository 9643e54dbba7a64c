"""The ``ingestion:`` section of pipeline.yml: sources, their objects, modes, dates and credentials.

Every field is documented where it is declared; validators check each source against its
connector family (``families.FAMILIES``) so that an unknown connector, an unknown object, a missing
incremental field or a missing connector option is reported here, before anything is generated.
Client and databases come from the pipeline, not from this section.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cdpo.errors import did_you_mean, listed_twice
from cdpo.phases.ingestion.families import (
    FAMILIES,
    ConnectorType,
    Family,
    ObjectDefaults,
    WorkflowShape,
)
from cdpo.phases.ingestion.names import check_column, check_identifier

__all__ = ["FileFormat", "IngestMode", "IngestionSettings", "ObjectSettings", "SourceSettings"]

_SECRET_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_FILE_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}


class IngestMode(StrEnum):
    """Which workflows a source gets: incremental, historical monthly batches, or both."""

    INCREMENTAL = "incremental"
    HISTORICAL = "historical"
    BOTH = "both"


class FileFormat(StrEnum):
    """Formats of a local ``file`` source."""

    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"


class ObjectSettings(BaseModel):
    """One object of a source (an API object, a warehouse table or a file), loaded into one table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        description="Connector object: API object (products, events), warehouse table, or file object name."
    )
    table: str | None = Field(
        default=None,
        description="TD table to load into; default '{prefix}_{name}' (prefix: the family's, e.g. "
        "'gbq' for BigQuery, else the source name). History goes to '{table}_hist'.",
    )
    incremental_field: str | None = Field(
        default=None,
        description="Column of the TD table whose maximum is the incremental watermark; default: "
        "the source's incremental_field or the family default (Shopify updated_at, …).",
    )
    history_field: str | None = Field(
        default=None,
        description="Column that places a row in a monthly historical batch; default: the "
        "family default (Shopify created_at) or incremental_field.",
    )
    connector_field: str | None = Field(
        default=None,
        description="Field name the connector API expects for the watermark, when it differs from "
        "the table column (Klaviyo campaigns: 'updated' vs 'updated_at').",
    )
    path: str | None = Field(
        default=None,
        description="file/sftp sources: the file path or prefix to read (relative to pipeline.yml "
        "for local files); a '${secret:…}' reference is allowed for sftp.",
    )
    history_path: str | None = Field(
        default=None,
        description="file sources: a separate file (or prefix) holding the history; default: "
        "path. sftp sources: the history export, loaded once into '{table}_hist' (hist-union "
        "pairs it with the incremental files of 'path'); default: none.",
    )
    format: FileFormat | None = Field(
        default=None, description="file sources: csv, jsonl or parquet; default from the extension."
    )
    full_snapshot: bool | None = Field(
        default=None,
        description="Load the whole object on every run (mode replace) instead of appending new "
        "rows; hist-union rebuilds such tables. Default: the family's (Klaviyo metrics).",
    )

    @field_validator("table")
    @classmethod
    def _table_is_identifier(cls, value: str | None) -> str | None:
        return None if value is None else check_identifier(value, "table")

    @field_validator("incremental_field", "history_field", "connector_field")
    @classmethod
    def _fields_are_columns(cls, value: str | None) -> str | None:
        return None if value in (None, "") else check_column(value, "field")


class SourceSettings(BaseModel):
    """One data source: a connector, its objects, and how much history to load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        description="Source name, used in file and workflow names (shopify, klaviyo)."
    )
    connector: ConnectorType = Field(
        description="Connector family: " + ", ".join(c.value for c in ConnectorType) + "."
    )
    objects: list[ObjectSettings] = Field(
        min_length=1, description="Objects to load: names, or mappings with per-object settings."
    )
    mode: IngestMode = Field(
        default=IngestMode.BOTH,
        description="incremental, historical (monthly batches from start_date), or both.",
    )
    incremental_field: str | None = Field(
        default=None, description="Default watermark column for every object of this source."
    )
    start_date: date = Field(
        description="First day of history (YYYY-MM-DD): historical batches start here; an "
        "incremental-only source starts its first run here."
    )
    incremental_start: date | None = Field(
        default=None,
        description="Where history ends and incremental loading begins (exclusive end of the last "
        "monthly batch, lower bound of the first incremental run). Default: the first day of "
        "the current month (UTC) when the project is generated.",
    )
    target_database: str | None = Field(
        default=None,
        description="Database the tables land in; default: the pipeline's src database.",
    )
    table_prefix: str | None = Field(
        default=None,
        description="Prefix of default table names; default: the family's or the source name.",
    )
    auth_id: int | None = Field(
        default=None,
        description="TD Authentication ID of the connector (Console → Integrations → Authentications).",
    )
    secrets: dict[str, str] = Field(
        default_factory=dict,
        description="Secret names by role (e.g. sftp_password: acme_sftp_password); default "
        "'{source}_{role}'. Values are names of TD workflow secrets, never the secrets themselves.",
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Connector extras: BigQuery project_id/dataset; Snowflake account_name, "
        "warehouse, database, schema; Shopify v1 store_name; SFTP columns and delimiter.",
    )

    @field_validator("name", "target_database", "table_prefix")
    @classmethod
    def _names_are_identifiers(cls, value: str | None) -> str | None:
        return None if value is None else check_identifier(value, "name")

    @field_validator("connector", mode="before")
    @classmethod
    def _known_connector(cls, value: Any) -> Any:
        choices = [c.value for c in ConnectorType]
        if isinstance(value, str) and value not in choices:
            raise ValueError(
                f"unknown connector type {value!r}; valid: {', '.join(choices)}."
                + did_you_mean(value, choices)
            )
        return value

    @field_validator("objects", mode="before")
    @classmethod
    def _objects_from_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("incremental_field")
    @classmethod
    def _field_is_column(cls, value: str | None) -> str | None:
        return None if value in (None, "") else check_column(value, "incremental_field")

    @field_validator("secrets")
    @classmethod
    def _secret_names(cls, value: dict[str, str]) -> dict[str, str]:
        for role, name in value.items():
            if not _SECRET_NAME.match(name):
                raise ValueError(
                    f"secret name {name!r} for {role!r} must be letters, digits, '_', '.', '-'"
                )
        return value

    @model_validator(mode="after")
    def _fits_family(self) -> SourceSettings:
        family = self.family
        missing = [o for o in family.required_options if not self.options.get(o)]
        if missing:
            raise ValueError(
                f"connector {self.connector.value} needs options: {', '.join(missing)}"
            )
        if family.auth_id_required and self.auth_id is None:
            raise ValueError(
                f"connector {self.connector.value} needs auth_id (the TD Authentication ID of the connection)"
            )
        if self.incremental_start and self.incremental_start <= self.start_date:
            raise ValueError(
                f"incremental_start {self.incremental_start} must be after start_date {self.start_date}"
            )
        for obj in self.objects:
            self._check_object(obj, family)
        tables = [self.table_for(o) for o in self.objects]
        if dupes := listed_twice(tables):
            raise ValueError(f"two objects load into the same table: {', '.join(dupes)}")
        return self

    def _check_object(self, obj: ObjectSettings, family: Family) -> None:
        where = f"object {obj.name!r} of source {self.name!r}"
        if family.objects and obj.name not in family.objects:
            raise ValueError(
                f"{where}: {self.connector.value} has no such object; valid: "
                f"{', '.join(family.objects)}." + did_you_mean(obj.name, family.objects)
            )
        if self.connector is ConnectorType.FILE or family.shape is WorkflowShape.FILES:
            if not obj.path:
                raise ValueError(f"{where}: a {self.connector.value} object needs 'path'")
            if self.connector is ConnectorType.FILE:
                self.format_of(obj)
            elif not self.columns_of(obj):
                raise ValueError(
                    f"{where}: an sftp object needs its CSV columns in options.columns.{obj.name} "
                    "(a list of {name, type} with type string, long, double, boolean or timestamp)"
                )
        if obj.history_path and self.mode is IngestMode.INCREMENTAL:
            raise ValueError(
                f"{where}: history_path is loaded only with mode both or historical, "
                "and this source has mode incremental"
            )
        check_identifier(self.table_for(obj), f"{where}: table")
        needs_field = family.needs_incremental_field and not self.is_full_snapshot(obj)
        if (
            needs_field
            and self.mode is not IngestMode.HISTORICAL
            and not self.incremental_field_of(obj)
        ):
            raise ValueError(
                f"{where}: mode {self.mode.value} needs an incremental_field (a column of the table "
                "that grows with new rows, e.g. updated_at); set it on the object or the source"
            )
        if (
            needs_field
            and self.mode is not IngestMode.INCREMENTAL
            and not self.history_field_of(obj)
        ):
            raise ValueError(
                f"{where}: historical batches need a history_field or incremental_field"
            )

    @property
    def family(self) -> Family:
        """This source's connector family."""
        return FAMILIES[self.connector]

    def _defaults(self, obj: ObjectSettings) -> ObjectDefaults:
        return self.family.objects.get(obj.name, ObjectDefaults())

    def table_for(self, obj: ObjectSettings) -> str:
        """The TD table an object loads into (its history table adds ``_hist``)."""
        prefix = self.table_prefix or self.family.table_prefix or self.name
        return obj.table or self._defaults(obj).table or f"{prefix}_{obj.name.lower()}"

    def is_full_snapshot(self, obj: ObjectSettings) -> bool:
        """Whether the object is loaded whole every run (replace) rather than appended."""
        return (
            obj.full_snapshot
            if obj.full_snapshot is not None
            else self._defaults(obj).full_snapshot
        )

    def incremental_field_of(self, obj: ObjectSettings) -> str | None:
        """The table column whose maximum is the watermark, or None for upload-time-only objects."""
        if not self.family.needs_incremental_field or self.is_full_snapshot(obj):
            return None
        return (
            obj.incremental_field or self.incremental_field or self._defaults(obj).incremental_field
        )

    def history_field_of(self, obj: ObjectSettings) -> str | None:
        """The table column that places a row in a monthly batch."""
        if not self.family.needs_incremental_field or self.is_full_snapshot(obj):
            return None
        return (
            obj.history_field or self._defaults(obj).history_field or self.incremental_field_of(obj)
        )

    def connector_field_of(self, obj: ObjectSettings, history: bool = False) -> str | None:
        """The field name the connector API filters on."""
        defaults = self._defaults(obj)
        if history:
            return (
                obj.connector_field
                or defaults.connector_history_field
                or self.history_field_of(obj)
            )
        return obj.connector_field or defaults.connector_field or self.incremental_field_of(obj)

    def format_of(self, obj: ObjectSettings) -> FileFormat:
        """A file object's format, explicit or from its extension."""
        if obj.format is not None:
            return obj.format
        suffix = "." + (obj.path or "").rsplit(".", 1)[-1].lower()
        if suffix not in _FILE_FORMATS:
            raise ValueError(
                f"object {obj.name!r}: cannot tell the format of {obj.path!r}; set format: csv, jsonl or parquet"
            )
        return FileFormat(_FILE_FORMATS[suffix])

    def columns_of(self, obj: ObjectSettings) -> list[dict[str, str]]:
        """CSV columns of an sftp object: ``options.columns.<object>`` or the family's defaults."""
        given = (self.options.get("columns") or {}).get(obj.name)
        if given:
            return [{"name": str(c["name"]), "type": str(c.get("type", "string"))} for c in given]
        return [{"name": n, "type": t} for n, t in self._defaults(obj).columns]

    def secret_name(self, role: str) -> str:
        """The TD secret holding ``role`` for this source (configured or ``{source}_{role}``)."""
        return self.secrets.get(role) or f"{self.name}_{role.removeprefix(self.name + '_')}"


class IngestionSettings(BaseModel):
    """Phase 1: which sources to load into the src database."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="Set false to skip the ingestion phase.")
    project: str = Field(default="ingestion", description="Digdag project name and directory.")
    sources: list[SourceSettings] = Field(min_length=1, description="The sources to ingest.")

    @field_validator("project")
    @classmethod
    def _project_is_identifier(cls, value: str) -> str:
        return check_identifier(value, "project")

    @model_validator(mode="after")
    def _unique(self) -> IngestionSettings:
        names = [s.name for s in self.sources]
        if dupes := listed_twice(names):
            raise ValueError(f"duplicate source names: {', '.join(dupes)}")
        tables = [(s.target_database, s.table_for(o)) for s in self.sources for o in s.objects]
        if dupes := sorted({t for db, t in tables if tables.count((db, t)) > 1}):
            raise ValueError(f"two sources load into the same table: {', '.join(dupes)}")
        return self
