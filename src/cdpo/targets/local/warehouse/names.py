"""Validate and quote the names that reach SQL: databases, tables and columns (one helper each).

Database and table names follow Treasure Data's rule: 3 to 128 characters, lowercase letters,
digits and ``_`` (docs.treasuredata.com/articles/project-product-documentation/naming-requirements).
Column names follow ``cdpo.sql.validate_identifier``, the rule for every configured name, and
quoting is ``cdpo.sql.quote_identifier``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdpo.errors import ConfigError
from cdpo.sql import quote_identifier, validate_identifier

__all__ = ["TableName", "quote", "sql_literal", "table_name", "valid_column", "valid_name"]

_NAME = re.compile(r"^[a-z0-9_]{3,128}$")
_NAME_RULE = "3-128 characters: lowercase letters, digits and '_'"


def valid_name(name: object, *, field: str = "name") -> str:
    """Return ``name`` if it is a valid TD database or table name, else raise ``ConfigError``.

    Example:
        >>> valid_name("client_src")
        'client_src'
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"invalid name {name!r}: expected {_NAME_RULE}", field=field)
    return name


def valid_column(name: object, *, field: str = "column") -> str:
    """Return ``name`` if it is a valid column name (``cdpo.sql``'s identifier rule), else raise."""
    return validate_identifier(name, what=f"{field}: column")


def quote(*parts: str) -> str:
    """Quote identifiers as one dotted SQL name (each part by ``cdpo.sql.quote_identifier``).

    Example:
        >>> quote("client_src", "orders")
        '"client_src"."orders"'
    """
    return ".".join(quote_identifier(part) for part in parts)


def sql_literal(value: str) -> str:
    """A single-quoted SQL string literal (for file paths in ``COPY``, which takes no parameter).

    Example:
        >>> sql_literal("it's.csv")
        "'it''s.csv'"
    """
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class TableName:
    """A validated ``database.table`` pair; ``sql`` is its quoted form."""

    database: str
    table: str

    @property
    def sql(self) -> str:
        return quote(self.database, self.table)

    def __str__(self) -> str:
        return f"{self.database}.{self.table}"


def table_name(name: object, database: str | None, *, field: str = "table") -> TableName:
    """Parse ``table`` or ``db.table`` (as td> and td_ddl> accept them) against a default database.

    Example:
        >>> str(table_name("other_db.orders", "client_src"))
        'other_db.orders'
    """
    if not isinstance(name, str):
        raise ConfigError(
            f"invalid table {name!r}: expected 'table' or 'database.table'", field=field
        )
    db, _, table = name.rpartition(".")
    if not db:
        if database is None:
            raise ConfigError(f"table {name!r} has no database: set 'database'", field=field)
        db = database
    return TableName(valid_name(db, field=field), valid_name(table, field=field))
