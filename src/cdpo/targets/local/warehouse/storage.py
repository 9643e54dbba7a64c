"""How the warehouse file is opened and how it stores what is written to it.

Every connection attaches the file as the catalog ``CATALOG`` with row groups of
``ROW_GROUP_SIZE`` rows, a quarter of DuckDB's 122,880. DuckDB compresses a new table's full row
groups while the query runs, on every thread; the rest waits for the commit and is compressed there
on one thread. Most CDP tables (profiles, orders, a month of events) hold fewer than 122,880 rows,
so with the default all of their writing happened single-threaded at the commit. On the medium
demo, run in turn with the default on one machine, the four phases took 69-76 s instead of
84-96 s, and the warehouse grew by a quarter (566-581 MiB to 700-715 MiB); 20,480, 40,960 and
61,440 rows were each slower than 30,720. The size is an option of ``ATTACH``, not of the file:
tables written before keep their row groups and are read as before.

The catalog's name has a character no TD database name has, so ``database.table`` never means
anything but a schema's table (a database named like the file was ambiguous before). Each
connection is a DuckDB instance of its own, so a process opens a file once: a second open is
refused rather than shared, and more connections come from ``con.cursor()``.

DuckDB compresses strings with dictionary-FSST by default: the smallest file, and most of the CPU
of writing a table. ``light`` turns that method off. On the medium demo, run in turn with the
default on one machine, the four phases took 7% less time (69-70 s against 74-75 s) and the
warehouse grew 2.9 times (710 MiB to 2.1 GiB); before the smaller row groups it saved 11-17%.
The choice is kept in the file (``_cdpo.settings``) so that every process that writes it does so
the same way: the orchestrator, each attempt's worker, ``cdpo digdag run``.

A checkpoint (DuckDB writes one when a connection closes) also "vacuums": it rewrites runs of
adjacent row groups that would fit in fewer, decompressing and compressing them again. After
appends that only merges the last, partly filled row groups of parallel writes (on the medium
demo, 20 row groups instead of 18 for the largest table), yet it was most of a second at the end
of the hist-union, staging and unification attempts each. Writers therefore start with vacuuming
off (``max_vacuum_tasks = 0``); a connection that deletes rows turns it back on
(``reclaim_deleted``), so its checkpoints give the deleted rows' space back, as by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdpo.errors import ConfigError
from cdpo.targets.local.warehouse.names import quote, sql_literal

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "CATALOG",
    "COMPRESSIONS",
    "ROW_GROUP_SIZE",
    "apply_compression",
    "connect",
    "read_compression",
    "reclaim_deleted",
    "settings_ddl",
]

CATALOG = "cdpo-warehouse"
"""The name the warehouse file is attached under; ``current_database()`` on every connection."""
ROW_GROUP_SIZE = 30_720
"""Rows per row group of the tables a connection writes (a multiple of DuckDB's 2,048)."""

COMPRESSIONS = ("auto", "light")
"""``auto``: DuckDB's choice per column (smallest file); ``light``: no dictionary-FSST strings."""
_DISABLED_METHODS = {"auto": "", "light": "dict_fsst"}


def connect(
    path: Path | str, *, read_only: bool = False, con: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection whose only database is the file at ``path``, attached as ``CATALOG``.

    ``con`` is a new in-memory connection made earlier to attach the file to (one with TD's
    functions installed ahead: ``Warehouse.prepare``); it is closed if the file cannot be attached.

    Raises:
        duckdb.Error: the file cannot be attached (locked by another process, not DuckDB's).
    """
    import duckdb

    if con is None:
        con = duckdb.connect()
    try:
        if str(path) != ":memory:":  # DuckDB spills next to the file it was opened on, not in ./
            con.execute(f"SET temp_directory = {sql_literal(f'{path}.tmp')}")
        options = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}"
        con.execute(f"ATTACH {sql_literal(str(path))} AS {quote(CATALOG)} ({options})")
        con.execute(f"USE {quote(CATALOG)}")
        con.execute("DETACH memory")  # the database the connection started in; nothing uses it
        if not read_only:
            con.execute("SET max_vacuum_tasks = 0")  # appends are not re-packed (module docstring)
    except BaseException:
        con.close()
        raise
    return con


def reclaim_deleted(con: Any) -> None:
    """Let the connection's checkpoints vacuum again (DuckDB's default), so that the space of
    rows it deleted is given back rather than kept as deleted rows in their row groups."""
    con.execute("RESET max_vacuum_tasks")


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
