"""Names that reach SQL: identifier checks, quoting and literals.

Every name from unify.yml passes ``check_identifier`` when the config is loaded (TD's validator rule:
a letter or underscore, then letters, digits, underscores) and ``quote`` when SQL is written, so no
configured text is ever spliced into SQL unquoted.
"""

from __future__ import annotations

import re

__all__ = ["IDENTIFIER", "TMP_SUFFIX", "check_identifier", "literal", "qualified", "quote"]

# TD's unification validator (treasure-boxes tool-box/unification-validator) accepts SQL identifiers only.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TMP_SUFFIX = "__cdpo_tmp"


def check_identifier(value: str) -> str:
    """Return ``value`` if it is a SQL identifier TD accepts, else raise ``ValueError`` saying why.

    Example:
        >>> check_identifier("td_client_id")
        'td_client_id'
    """
    if not IDENTIFIER.match(value):
        raise ValueError(
            f"{value!r} is not a SQL identifier: use a letter or '_' first, then letters, digits, '_'"
        )
    return value


def quote(name: str) -> str:
    """Double-quote an identifier for DuckDB, doubling embedded quotes.

    Example:
        >>> quote('email')
        '"email"'
    """
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    """``"schema"."table"``, both quoted."""
    return f"{quote(schema)}.{quote(table)}"


def literal(value: str | None) -> str:
    """A SQL string literal with quotes doubled (``NULL`` for ``None``).

    Example:
        >>> literal("o'brien")
        "'o''brien'"
    """
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"
