"""One ``config/{source}_{object}_load.yml`` per object: the ``td_load>`` (embulk) configuration.

Each family's ``in:`` section uses the TD connector's own parameter names (spec §2.7). The load
window reaches the file as the ``start_time``/``end_time`` params of the ``td_load>`` task and
is ``(start_time, end_time]``; the datasource's fields arrive as ``${datasource.*}``. Credentials
appear only as ``${secret:…}`` or a TD authentication id from ``config/database.yml``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cdpo.phases.ingestion.families import ConnectorType
from cdpo.phases.ingestion.names import check_column, quote
from cdpo.phases.ingestion.settings import FileFormat, ObjectSettings, SourceSettings

__all__ = ["ADD_TIME_FILTER", "load_config"]

ADD_TIME_FILTER: dict[str, Any] = {
    "type": "add_time",
    "to_column": {"name": "time", "type": "timestamp"},
    "from_value": {"mode": "upload_time"},
}
"""TD's ``time`` column is the upload time of each row (spec §2.5)."""

_WINDOW = "'${start_time}'"
_WINDOW_END = "'${end_time}'"
_FIELD = "${datasource.incremental_field_connector}"

Builder = Callable[[SourceSettings, ObjectSettings], dict[str, Any]]


def load_config(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    """The whole load file of ``obj``: ``in``, ``filters`` and ``out``."""
    mode = "${mode}" if source.family.shape.value == "files" else "${datasource.mode}"
    config_in = _BUILDERS[source.connector](source, obj)
    return {"in": config_in, "filters": [ADD_TIME_FILTER], "out": {"mode": mode}}


def _auth(source: SourceSettings) -> str:
    return "${td_authentication_ids." + source.name + ".default}"


def _window_where(column: str) -> str:
    """``(start_time, end_time]`` as a SQL condition (the original had no upper bound, §5.7)."""
    return f"{column} > {_WINDOW} AND {column} <= {_WINDOW_END}"


def _shopify(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "type": source.family.load_type,
        "td_authentication_id": _auth(source),
        "target": "${datasource.name}",
        "incremental": True,
        "from_date": "${start_time}",
        "to_date": "${end_time}",
        "incremental_field": _FIELD,
    }
    if source.connector is ConnectorType.SHOPIFY_V2:
        config["include_image"] = True
    else:
        config["use_to_date"] = True
    return config


def _klaviyo(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "type": "klaviyo",
        "data_source": "${datasource.name}",
        "td_authentication_id": _auth(source),
    }
    if source.is_full_snapshot(obj):
        return config  # metrics: no incremental parameters at all (spec §2.5)
    config |= {"incremental": True, "start_time": "${start_time}", "end_time": "${end_time}"}
    if obj.name == "events":
        return config | {"skip_related_objects": True}
    return config | {"incremental_field": _FIELD}


def _bigquery(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    table = check_column(obj.name, "BigQuery table")
    query = f"SELECT * FROM `${{datasource.dataset}}.{table}`"
    if not source.is_full_snapshot(obj):
        # BigQuery quotes names with backticks; the window gets both bounds (spec §5.7).
        query += f" WHERE `{_FIELD}` > {_WINDOW} AND `{_FIELD}` <= {_WINDOW_END}"
    return {
        "type": "bigquery_v2",
        "td_authentication_id": _auth(source),
        "project_id": str(source.options["project_id"]),
        "dataset": "${datasource.dataset}",
        "import_type": "query",
        "query": query,
        "export_to_gcs": False,
        "max_connection_retry": 10,
    }


def _snowflake(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    table = quote(check_column(obj.name, "Snowflake table"))
    query = f'SELECT * FROM "${{datasource.schema}}".{table}'
    if not source.is_full_snapshot(obj):
        query += " WHERE " + _window_where(quote(_FIELD))
    return {
        "type": "snowflake",
        "td_authentication_id": _auth(source),
        "account_name": str(source.options["account_name"]),
        "warehouse": str(source.options["warehouse"]),
        "db": "${datasource.database}",
        "schema": "${datasource.schema}",
        "source_type": "query",
        "query": query,
    }


def _sftp(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    secret = source.secret_name
    return {
        "type": "sftp_v2",
        "host": "${secret:" + secret("sftp_host") + "}",
        "port": int(source.options.get("port", 22)),
        "auth_method": "password",
        "user": "${secret:" + secret("sftp_user") + "}",
        "password": "${secret:" + secret("sftp_password") + "}",
        "user_directory_is_root": True,
        "timeout": 600,
        "path_prefix": "${file_path}",
        "parser": {
            "skip_header_lines": 1,
            "charset": "UTF-8",
            "newline": "CRLF",
            "type": "csv",
            # Written as a literal, not as a `${fld_delimiter}` param: the file is templated as text
            # before it is parsed, and a bare `delimiter: ,` is not valid YAML.
            "delimiter": str(source.options.get("delimiter", ",")),
            "quote": '"',
            "escape": '"',
            "default_timezone": "UTC",
            "trim_if_not_quoted": False,
            "stop_on_invalid_record": False,
            "quotes_in_quoted_fields": "ACCEPT_ONLY_RFC4180_ESCAPED",
            "allow_extra_columns": False,
            "allow_optional_columns": False,
            "columns": source.columns_of(obj),
        },
    }


def _onetrust(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    secret = source.secret_name
    return {
        "type": "onetrust",
        "base_url": "${secret:" + secret("base_url") + "}",
        "auth_method": "oauth",
        "access_token": "${secret:" + secret("access_token") + "}",
        "data_type": "${datasource.name}",
        "incremental": True,
        "start_time": "${start_time}",
        "end_time": "${end_time}",
        "incremental_field": _FIELD,
        "thread_count": 5,
    }


_PARSERS: dict[FileFormat, dict[str, Any]] = {
    FileFormat.CSV: {"type": "csv", "charset": "UTF-8", "delimiter": ",", "skip_header_lines": 1},
    FileFormat.JSONL: {"type": "jsonl", "charset": "UTF-8"},
    FileFormat.PARQUET: {"type": "parquet"},
}


def _file(source: SourceSettings, obj: ObjectSettings) -> dict[str, Any]:
    """A local file (CSV, JSON lines, Parquet) that only the local target reads.

    The window uses the incremental keys TD's connectors share (``incremental``,
    ``incremental_field``, ``start_time`` exclusive, ``end_time`` inclusive).
    """
    config: dict[str, Any] = {
        "type": "file",
        "path_prefix": "${datasource.path}",
        "parser": _PARSERS[source.format_of(obj)],
    }
    if source.is_full_snapshot(obj):
        return config
    return config | {
        "incremental": True,
        "incremental_field": _FIELD,
        "start_time": "${start_time}",
        "end_time": "${end_time}",
    }


_BUILDERS: dict[ConnectorType, Builder] = {
    ConnectorType.SHOPIFY_V1: _shopify,
    ConnectorType.SHOPIFY_V2: _shopify,
    ConnectorType.KLAVIYO: _klaviyo,
    ConnectorType.BIGQUERY: _bigquery,
    ConnectorType.SNOWFLAKE: _snowflake,
    ConnectorType.SFTP: _sftp,
    ConnectorType.PINTEREST: _sftp,
    ConnectorType.ONETRUST: _onetrust,
    ConnectorType.FILE: _file,
}
