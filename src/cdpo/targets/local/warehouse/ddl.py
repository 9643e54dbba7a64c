"""``td_ddl>`` on the warehouse: create, drop, empty and rename databases and tables.

Actions run in Digdag's order (``TdDdlOperatorFactory``): drop databases (and the ones to empty),
create databases (and the emptied ones), drop tables (and the ones to empty), create tables (and
the emptied ones), then renames (docs.digdag.io/operators/td_ddl.html). Table names may be
``table`` or ``db.table``; a rename's ``to`` is a bare table name in ``from``'s database, and
replaces an existing table of that name. All of it is one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cdpo.errors import ConfigError, NotFoundError
from cdpo.targets.local.warehouse.catalog import table_exists
from cdpo.targets.local.warehouse.names import TableName, quote, table_name, valid_name

if TYPE_CHECKING:
    from cdpo.targets.local.warehouse.warehouse import Warehouse

__all__ = ["run_td_ddl"]


def _names(values: Sequence[str] | None, field: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ConfigError(f"expected a list of names, got {values!r}", field=field)
    return list(values)


def _tables(values: Sequence[str] | None, database: str | None, field: str) -> list[TableName]:
    return [table_name(v, database, field=field) for v in _names(values, field)]


def _renames(
    values: Sequence[Mapping[str, Any]] | None, database: str | None
) -> list[tuple[TableName, str]]:
    pairs = []
    for i, item in enumerate(values or ()):
        where = f"rename_tables[{i}]"
        if not isinstance(item, Mapping) or "from" not in item or "to" not in item:
            raise ConfigError("expected {from: table, to: table}", field=where)
        if "." in str(item["to"]):
            raise ConfigError(f"'to' cannot name a database: {item['to']!r}", field=f"{where}.to")
        source = table_name(item["from"], database, field=f"{where}.from")
        pairs.append((source, valid_name(item["to"], field=f"{where}.to")))
    return pairs


def run_td_ddl(
    wh: Warehouse,
    *,
    database: str | None = None,
    drop_databases: Sequence[str] | None = None,
    create_databases: Sequence[str] | None = None,
    empty_databases: Sequence[str] | None = None,
    drop_tables: Sequence[str] | None = None,
    create_tables: Sequence[str] | None = None,
    empty_tables: Sequence[str] | None = None,
    rename_tables: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """Run a ``td_ddl>`` task; ``database`` is the default for bare table names.

    New tables hold TD's ``time`` column (bigint) and nothing else, as a new TD table does.

    Raises:
        ConfigError: a bad name or shape (every name is checked before anything runs).
        NotFoundError: a table's database is missing, or a table to rename does not exist.
    """
    dbs_drop = [
        valid_name(d, field="drop_databases") for d in _names(drop_databases, "drop_databases")
    ]
    dbs_create = [
        valid_name(d, field="create_databases")
        for d in _names(create_databases, "create_databases")
    ]
    dbs_empty = [
        valid_name(d, field="empty_databases") for d in _names(empty_databases, "empty_databases")
    ]
    t_drop = _tables(drop_tables, database, "drop_tables")
    t_create = _tables(create_tables, database, "create_tables")
    t_empty = _tables(empty_tables, database, "empty_tables")
    renames = _renames(rename_tables, database)
    with wh.transaction():
        for name in dbs_drop + dbs_empty:
            wh.drop_database(name)
        for name in dbs_create + dbs_empty:
            wh.create_database(name)
        for table in t_drop + t_empty:
            wh.require_database(table.database)
            wh.run(f"DROP TABLE IF EXISTS {table.sql}")
        for table in t_create + t_empty:
            wh.require_database(table.database)
            wh.run(f"CREATE TABLE IF NOT EXISTS {table.sql} (time BIGINT)")
        for source, to in renames:
            _rename(wh, source, to)


def _rename(wh: Warehouse, source: TableName, to: str) -> None:
    if not table_exists(wh, source):
        raise NotFoundError(f"td_ddl> rename_tables: table {source} does not exist")
    wh.run(f"DROP TABLE IF EXISTS {quote(source.database, to)}")
    wh.run(f"ALTER TABLE {source.sql} RENAME TO {quote(to)}")
