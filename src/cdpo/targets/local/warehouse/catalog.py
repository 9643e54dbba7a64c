"""Tables of the warehouse: listing with row counts, Presto column types, and TD's write modes.

TD tables are schemaless on append: a write that brings new columns adds them to the table
(reference/spec-orchestrator-ingestion-histunion.md §5 item 14). ``append`` reproduces that;
``replace`` swaps a fully built table in, so a failure never loses the old one. Both take a
staged table (built under a temporary name) and empty it into the target; ``write_rows`` does
the same from a query, for a caller whose transaction already makes the write all or nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cdpo.errors import NotFoundError, did_you_mean
from cdpo.targets.base import Column, TableInfo
from cdpo.targets.local.warehouse.names import TableName, quote, valid_name

if TYPE_CHECKING:
    from duckdb import DuckDBPyRelation
    from duckdb.sqltypes import DuckDBPyType

    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = [
    "NUMERIC_TYPE_IDS",
    "append",
    "columns",
    "ensure_time_column",
    "insert_rows",
    "presto_type",
    "replace",
    "staging_name",
    "table_exists",
    "tables",
    "write_rows",
]

NUMERIC_TYPE_IDS = frozenset(
    {"tinyint", "smallint", "integer", "bigint", "hugeint", "float", "double", "decimal"}
)
"""DuckDB type ids compared and converted as numbers (incremental values, add_time columns)."""

_PRESTO_SCALARS = {
    "boolean": "boolean",
    "tinyint": "bigint",
    "smallint": "bigint",
    "integer": "bigint",
    "bigint": "bigint",
    "hugeint": "bigint",
    "utinyint": "bigint",
    "usmallint": "bigint",
    "uinteger": "bigint",
    "ubigint": "bigint",
    "float": "double",
    "double": "double",
    "decimal": "double",
    "varchar": "varchar",
    "json": "json",
    "uuid": "varchar",
    "blob": "varbinary",
    "date": "date",
    "time": "time",
    "timestamp": "timestamp",
    "timestamp with time zone": "timestamp with time zone",
}


def presto_type(dtype: DuckDBPyType) -> str:
    """The Presto name of a DuckDB type as TD shows it: TD stores every integer as ``bigint``
    and every real as ``double``; lists are ``array(T)``, maps ``map(K, V)``, structs ``row(...)``.
    """
    kind = dtype.id
    children = getattr(dtype, "children", None) if kind in {"list", "map", "struct"} else None
    if kind == "list" and children:
        return f"array({presto_type(children[0][1])})"
    if kind == "map" and children:
        return f"map({presto_type(children[0][1])}, {presto_type(children[1][1])})"
    if kind == "struct" and children:
        return "row(" + ", ".join(f"{n} {presto_type(t)}" for n, t in children) + ")"
    if kind.startswith("timestamp") and "time zone" not in kind:
        return "timestamp"
    return _PRESTO_SCALARS.get(kind, "varchar")


def _relation(wh: Warehouse, name: TableName) -> DuckDBPyRelation | None:
    """The table or view ``name`` (no row read), or None when it does not exist."""
    import duckdb

    try:
        return wh.con.table(name.sql)
    except duckdb.CatalogException:
        return None


def table_exists(wh: Warehouse, name: TableName) -> bool:
    """Whether the table (or view) exists; one catalog lookup, no query."""
    return _relation(wh, name) is not None


def _table_names(wh: Warehouse, database: str) -> list[str]:
    rows = wh.run(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ? ORDER BY table_name",
        [database],
    ).rows
    return [r[0] for r in rows]


def columns(wh: Warehouse, database: str, table: str) -> list[Column]:
    """A table's columns in order, typed in Presto's names.

    Raises:
        NotFoundError: the database or the table does not exist (closest name suggested).
    """
    name = TableName(wh.require_database(database), valid_name(table, field="table"))
    if not table_exists(wh, name):
        existing = _table_names(wh, database)
        raise NotFoundError(f"table {name} does not exist." + did_you_mean(table, existing))
    relation = wh.con.table(name.sql)
    return [
        Column(col, presto_type(dtype))
        for col, dtype in zip(relation.columns, relation.types, strict=True)
    ]


def tables(wh: Warehouse, database: str) -> list[TableInfo]:
    """The tables of ``database`` with exact row counts (``COUNT(*)``) and columns, by name."""
    wh.require_database(database)
    found = []
    for table in _table_names(wh, database):
        count = wh.first(f"SELECT count(*) FROM {quote(database, table)}")
        cols = tuple(columns(wh, database, table))
        found.append(TableInfo(database, table, int(count[0]) if count else 0, cols))
    return found


def staging_name(target: TableName) -> TableName:
    """A fresh temporary name beside ``target`` to build it under before the swap."""
    return TableName(target.database, f"__cdpo_tmp_{uuid.uuid4().hex[:12]}_{target.table}")


def ensure_time_column(wh: Warehouse, staged: TableName, upload_time: int) -> None:
    """Give ``staged`` TD's ``time`` column (unix seconds) when it has none: the upload time."""
    present = [c.lower() for c in wh.con.table(staged.sql).columns]
    if "time" not in present:
        wh.run(f"ALTER TABLE {staged.sql} ADD COLUMN time BIGINT DEFAULT {int(upload_time)}")


def replace(wh: Warehouse, staged: TableName, target: TableName) -> None:
    """Swap ``staged`` in as ``target`` (``out.mode: replace``, td> ``create_table``)."""
    wh.run(f"DROP TABLE IF EXISTS {target.sql}")
    wh.run(f"ALTER TABLE {staged.sql} RENAME TO {quote(target.table)}")


def append(wh: Warehouse, staged: TableName, target: TableName) -> None:
    """Append ``staged``'s rows to ``target`` by column name, adding the columns it lacks.

    The target is created with the staged schema when missing (td> ``insert_into`` does this).
    """
    if _relation(wh, target) is None:
        replace(wh, staged, target)
        return
    insert_rows(wh, f"SELECT * FROM {staged.sql}", target)
    wh.run(f"DROP TABLE {staged.sql}")


def write_rows(
    wh: Warehouse,
    select: str,
    target: TableName,
    *,
    overwrite: bool,
    params: Sequence[Any] = (),
) -> None:
    """Write the rows of ``select`` into ``target``: ``overwrite`` it (``out.mode: replace``) or
    append to it (creating it when missing).

    Call it in a transaction: an overwrite drops the old table before it creates the new one.
    """
    if overwrite:
        wh.run(f"DROP TABLE IF EXISTS {target.sql}")
    if overwrite or _relation(wh, target) is None:
        wh.run(f"CREATE TABLE {target.sql} AS {select}", params)
    else:
        insert_rows(wh, select, target, params)


def insert_rows(wh: Warehouse, select: str, target: TableName, params: Sequence[Any] = ()) -> None:
    """Append the rows of ``select`` to the existing ``target`` by column name, adding the
    columns it lacks.

    A value whose type differs from the column's is converted, or stored as NULL when it cannot
    be: TD reads values that do not match the table schema as NULL.
    """
    target_rel = wh.con.table(target.sql)
    existing = {c.lower(): t for c, t in zip(target_rel.columns, target_rel.types, strict=True)}
    chosen = []
    for col, dtype in wh.columns_of(select, params):
        have = existing.get(col.lower())
        if have is None:
            wh.run(f"ALTER TABLE {target.sql} ADD COLUMN {quote(col)} {dtype}")
        if have is None or have == dtype:
            chosen.append(quote(col))
        else:
            chosen.append(f"TRY_CAST({quote(col)} AS {have}) AS {quote(col)}")
    wh.run(
        f"INSERT INTO {target.sql} BY NAME SELECT {', '.join(chosen)} FROM ({select}) AS r",
        params,
    )
