"""How the warehouse file compresses text: chosen in pipeline.yml, stored in the file itself.

DuckDB compresses strings with dictionary-FSST by default: the smallest file, and most of the CPU
of writing a table. ``light`` turns that method off. On the medium demo, run in turn with the
default on one machine, the four phases took 11-17% less time and the warehouse grew 3.4 times
(565 MB to 1.9 GB). The choice is kept in the file (``_cdpo.settings``) so that every process
that writes it does so the same way: the orchestrator, each attempt's worker, ``cdpo digdag run``.
"""

from __future__ import annotations

from typing import Any

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse.names import quote

__all__ = ["COMPRESSIONS", "apply_compression", "read_compression", "settings_ddl"]

COMPRESSIONS = ("auto", "light")
"""``auto``: DuckDB's choice per column (smallest file); ``light``: no dictionary-FSST strings."""
_DISABLED_METHODS = {"auto": "", "light": "dict_fsst"}


def settings_ddl(schema: str) -> tuple[str, str]:
    """The statements that create the settings table in the bookkeeping ``schema``."""
    return (
        f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}",
        f"CREATE TABLE IF NOT EXISTS {quote(schema, 'settings')} "
        "(name VARCHAR PRIMARY KEY, value VARCHAR)",
    )


def read_compression(con: Any, schema: str) -> str:
    """The compression stored in the file; ``auto`` when none is (or an unknown one)."""
    import duckdb

    try:
        row = con.execute(
            f"SELECT value FROM {quote(schema, 'settings')} WHERE name = 'compression'"
        ).fetchone()
    except duckdb.CatalogException:  # a file no compression was ever chosen for
        return "auto"
    return row[0] if row and row[0] in COMPRESSIONS else "auto"


def apply_compression(con: Any, mode: str) -> None:
    """Make the connection's writes use ``mode``.

    Raises:
        ConfigError: ``mode`` is not one of ``COMPRESSIONS``.
    """
    if mode not in _DISABLED_METHODS:
        raise ConfigError(
            f"unknown warehouse compression '{mode}'",
            field="local.compression",
            hint=f"Use one of: {', '.join(COMPRESSIONS)}.",
        )
    con.execute(f"SET disabled_compression_methods = '{_DISABLED_METHODS[mode]}'")
