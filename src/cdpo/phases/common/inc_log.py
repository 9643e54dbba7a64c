"""The ``inc_log`` watermark table: one schema for every phase that records one (spec §7.6).

Rows are ``(table_name, project_name, inc_value)``; readers take ``MAX(inc_value)`` per table and
project, writers always insert with this explicit column list (spec §6.7: column order differed
between the plugin's engines).
"""

from __future__ import annotations

from cdpo.phases.ingestion import quote

__all__ = ["INC_LOG", "create_inc_log_sql"]

INC_LOG = "inc_log"


def create_inc_log_sql(lookup_database: str) -> str:
    """The watermark table (spec §3.5): one row per source table and run, read by MAX."""
    return (
        f"CREATE TABLE IF NOT EXISTS {quote(lookup_database)}.{quote(INC_LOG)} "
        "(table_name VARCHAR, project_name VARCHAR, inc_value BIGINT)"
    )
