"""TD names from configuration: validated once, quoted once, before they reach SQL or a file name.

TD database and table names are lower-case letters, digits and underscores; columns may carry
upper case (Snowflake, Salesforce), so column names accept both cases. The checks raise
``ValueError`` so pydantic reports them against the pipeline.yml field; quoting is cdpo.sql's
(double quotes, spec §4.14: never backticks).
"""

from __future__ import annotations

import re

__all__ = ["check_column", "check_identifier", "quote", "quote_literal", "split_table"]

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,127}$")
_COLUMN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def check_identifier(value: str, what: str = "name") -> str:
    """Return ``value`` if it is a valid TD database or table name, else raise ``ValueError``.

    Example:
        >>> check_identifier("acme_src")
        'acme_src'
    """
    if not isinstance(value, str) or not _TABLE_NAME.match(value):
        raise ValueError(
            f"{what} {value!r} is not a valid TD name: use lower-case letters, digits and "
            "underscores, starting with a letter or underscore (at most 128 characters)"
        )
    return value


def check_column(value: str, what: str = "column") -> str:
    """Return ``value`` if it is a plain column name (letters, digits, underscores)."""
    if not isinstance(value, str) or not _COLUMN_NAME.match(value):
        raise ValueError(
            f"{what} {value!r} is not a valid column name: use letters, digits and underscores, "
            "starting with a letter or underscore"
        )
    return value


def split_table(value: str, default_database: str | None = None) -> tuple[str | None, str]:
    """Split ``db.table`` or ``table`` into validated parts.

    Example:
        >>> split_table("acme_src.shopify_products")
        ('acme_src', 'shopify_products')
    """
    database, _, table = value.rpartition(".")
    if database:
        check_identifier(database, "database")
    return database or default_database, check_identifier(table, "table")


def quote(name: str) -> str:
    """Quote a validated identifier through cdpo's one gate (``cdpo.sql.quote_identifier``).

    Example:
        >>> quote("index")
        '"index"'
    """
    from cdpo.sql import quote_identifier  # sqlglot-heavy package: loaded only to write SQL

    return quote_identifier(name)


def quote_literal(value: str) -> str:
    """A single-quoted SQL string literal, quotes doubled (spec §4.24: messages break bare quotes).

    Example:
        >>> quote_literal("it's")
        "'it''s'"
    """
    return "'" + value.replace("'", "''") + "'"
