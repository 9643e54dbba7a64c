"""The connector families ingestion knows, declared as data: what each needs and how it names things.

One ``Family`` per connector type of pipeline.yml (spec §2.7): the TD connector ``type:`` it loads
with, the timestamp format its API expects (§2.6), how its workflows are shaped (separate
hist/inc workflows, one dual-mode workflow switched by ``run_mode``, or one file workflow), the
options it requires, and per-object defaults (table name, incremental fields on the table and
API side). Settings validate against this table; the generator renders from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "FAMILIES",
    "ConnectorType",
    "Family",
    "ObjectDefaults",
    "TimeFormat",
    "WorkflowShape",
]


class ConnectorType(StrEnum):
    """The ``connector:`` values of a pipeline.yml source."""

    SHOPIFY_V1 = "shopify_v1"
    SHOPIFY_V2 = "shopify_v2"
    KLAVIYO = "klaviyo"
    BIGQUERY = "bigquery"
    SNOWFLAKE = "snowflake"
    SFTP = "sftp"
    PINTEREST = "pinterest"
    ONETRUST = "onetrust"
    FILE = "file"


class TimeFormat(StrEnum):
    """Timestamp string formats connectors expect (spec §2.6); start and end always share one."""

    KLAVIYO = "klaviyo"  # 2023-09-01T00:00:00.000000 (6 decimals, no Z)
    ISO_MILLIS_Z = "iso_millis_z"  # 2023-09-01T00:00:00.000Z (OneTrust, Shopify)
    SPACE_MILLIS = "space_millis"  # 2023-09-01 00:00:00.000 (BigQuery, Snowflake, files)
    NONE = "none"  # upload time only (SFTP/Pinterest)


class WorkflowShape(StrEnum):
    """How a family's workflows are laid out (spec §2.3, §5.6)."""

    SPLIT = "split"  # {source}_ingest_inc.dig + {source}_ingest_hist.dig
    DUAL = "dual"  # {source}_ingest.dig, hist/inc chosen by the run_mode param (OneTrust)
    FILES = "files"  # {source}_ingest.dig, one load per object, upload-time only (SFTP)


@dataclass(frozen=True)
class ObjectDefaults:
    """Defaults for one known object of a family; ``None`` fields mean "not applicable".

    ``full_snapshot`` objects are loaded whole on every run (``mode: replace``) and are rebuilt,
    not appended, by hist-union.
    """

    table: str | None = None
    incremental_field: str | None = None
    history_field: str | None = None
    connector_field: str | None = None
    connector_history_field: str | None = None
    full_snapshot: bool = False
    columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Family:
    """Everything ingestion knows about one connector family."""

    connector: ConnectorType
    load_type: str
    time_format: TimeFormat
    shape: WorkflowShape
    parallel_limit: int
    table_prefix: str | None = None
    required_options: tuple[str, ...] = ()
    auth_id_required: bool = True
    secrets: tuple[str, ...] = ()
    objects: dict[str, ObjectDefaults] = field(default_factory=dict)
    needs_incremental_field: bool = True


def _dated(
    inc: str, hist: str, api_inc: str | None = None, api_hist: str | None = None
) -> ObjectDefaults:
    return ObjectDefaults(
        incremental_field=inc,
        history_field=hist,
        connector_field=api_inc or inc,
        connector_history_field=api_hist or hist,
    )


_SHOPIFY_V1_OBJECTS = {
    o: _dated("updated_at", "created_at") for o in ("customers", "orders", "inventory_items")
}
_SHOPIFY_V2_OBJECTS = {
    o: _dated("updated_at", "created_at") for o in ("products", "product_variants")
}
_KLAVIYO_OBJECTS = {
    "events": ObjectDefaults(incremental_field="datetime", history_field="datetime"),
    "email_templates": _dated("updated", "created"),
    "campaigns": _dated("updated_at", "created_at", "updated", "created"),
    "lists": _dated("updated", "created"),
    "profiles": _dated("updated", "created"),
    "metrics": ObjectDefaults(table="klaviyo_metric_data", full_snapshot=True),
}
_ONETRUST_OBJECTS = {
    o: _dated("updated_date", "updated_date") for o in ("data_subject_profile", "collection_point")
}

_PINTEREST_OBJECTS = {
    "campaigns": ObjectDefaults(columns=(
        ("campaign_id", "string"), ("campaign_name", "string"), ("status", "string"),
        ("budget", "double"), ("start_date", "string"), ("end_date", "string"),
        ("created_time", "string"), ("updated_time", "string"))),
    "ad_groups": ObjectDefaults(columns=(
        ("ad_group_id", "string"), ("ad_group_name", "string"), ("campaign_id", "string"),
        ("status", "string"), ("bid_strategy", "string"), ("budget", "double"),
        ("created_time", "string"), ("updated_time", "string"))),
}  # fmt: skip

FAMILIES: dict[ConnectorType, Family] = {
    f.connector: f
    for f in (
        Family(ConnectorType.SHOPIFY_V1, "shopify", TimeFormat.ISO_MILLIS_Z, WorkflowShape.SPLIT, 3,
               table_prefix="shopify", objects=_SHOPIFY_V1_OBJECTS),
        Family(ConnectorType.SHOPIFY_V2, "shopify_v2", TimeFormat.ISO_MILLIS_Z, WorkflowShape.SPLIT, 3,
               table_prefix="shopify", objects=_SHOPIFY_V2_OBJECTS),
        Family(ConnectorType.KLAVIYO, "klaviyo", TimeFormat.KLAVIYO, WorkflowShape.SPLIT, 3,
               table_prefix="klaviyo", objects=_KLAVIYO_OBJECTS),
        Family(ConnectorType.BIGQUERY, "bigquery_v2", TimeFormat.SPACE_MILLIS, WorkflowShape.SPLIT, 3,
               table_prefix="gbq", required_options=("project_id", "dataset")),
        Family(ConnectorType.SNOWFLAKE, "snowflake", TimeFormat.SPACE_MILLIS, WorkflowShape.SPLIT, 10,
               required_options=("account_name", "warehouse", "database", "schema")),
        Family(ConnectorType.SFTP, "sftp_v2", TimeFormat.NONE, WorkflowShape.FILES, 1,
               auth_id_required=False, needs_incremental_field=False,
               secrets=("sftp_host", "sftp_user", "sftp_password")),
        Family(ConnectorType.PINTEREST, "sftp_v2", TimeFormat.NONE, WorkflowShape.FILES, 1,
               table_prefix="pinterest", auth_id_required=False, needs_incremental_field=False,
               secrets=("sftp_host", "sftp_user", "sftp_password"), objects=_PINTEREST_OBJECTS),
        Family(ConnectorType.ONETRUST, "onetrust", TimeFormat.ISO_MILLIS_Z, WorkflowShape.DUAL, 3,
               table_prefix="onetrust", auth_id_required=False,
               secrets=("base_url", "access_token"), objects=_ONETRUST_OBJECTS),
        Family(ConnectorType.FILE, "file", TimeFormat.SPACE_MILLIS, WorkflowShape.SPLIT, 3,
               auth_id_required=False),
    )
}  # fmt: skip
