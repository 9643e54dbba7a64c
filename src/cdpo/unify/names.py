"""Names that reach SQL: identifier checks, quoting, literals, and every output table's name.

Every name from unify.yml passes ``check_identifier`` when the config is loaded (TD's validator rule:
a letter or underscore, then letters, digits, underscores) and ``quote`` when SQL is written, so no
configured text is ever spliced into SQL unquoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["IDENTIFIER", "OutputNames", "check_identifier", "literal", "qualified", "quote"]

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


@dataclass(frozen=True)
class OutputNames:
    """The tables one id definition writes in ``cdp_unification_{name}`` (TD's p2_output_result)."""

    schema: str
    id_name: str

    def table(self, suffix: str) -> str:
        """Qualified name of ``{id}_{suffix}`` (lookup, keys, tables, graph, …)."""
        return qualified(self.schema, f"{self.id_name}_{suffix}")

    def bare(self, suffix: str) -> str:
        """Unqualified name of ``{id}_{suffix}``."""
        return f"{self.id_name}_{suffix}"

    @property
    def lookup(self) -> str:
        return self.table("lookup")

    @property
    def graph(self) -> str:
        return self.table("graph")
