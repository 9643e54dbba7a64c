"""Replay a query-based connector's ``in.query`` over the files replayed for its destination.

On Treasure Data a BigQuery (``bigquery_v2``, ``import_type: query``) or Snowflake
(``source_type: query``) load runs its ``query`` in the source warehouse, so a ``WHERE`` window
decides which rows arrive. Locally the source table is the replay file(s) registered for the
destination: this module reads the query with sqlglot in the source's own dialect, points every
table it reads at the staged file rows, and runs the DuckDB translation, so the window applies
exactly as it would on TD.

TD docs: "Google BigQuery Import Integration V2" (``import_type: query`` with ``query``) and
"Snowflake Import Integration" (``query``); Digdag's td_load> passes the config through as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdpo.errors import ConfigError

__all__ = ["QUERY_DIALECTS", "source_query", "source_select"]

QUERY_DIALECTS = {"bigquery_v2": "bigquery", "bigquery": "bigquery", "snowflake": "snowflake"}
"""Connector type (``in.type``) → the sqlglot dialect its ``query`` is written in."""
_TABLE_IMPORTS = {"table"}  # import_type / source_type values that read a whole table, no query


def source_query(section: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(query, dialect)`` when the ``in:`` section runs a query in its source, else ``None``.

    Raises:
        ConfigError: a query-based import without a ``query`` string.
    """
    dialect = QUERY_DIALECTS.get(str(section.get("type")))
    if dialect is None:
        return None
    kind = section.get("import_type") or section.get("source_type")
    query = section.get("query")
    if kind in _TABLE_IMPORTS or (kind is None and not query):
        return None
    if not isinstance(query, str) or not query.strip():
        raise ConfigError(
            f"a {section.get('type')} query import needs a 'query' (a SELECT in {dialect} SQL)",
            field="in.query",
        )
    return query, dialect


def source_select(rows: str, query: str, dialect: str) -> str:
    """The DuckDB SELECT of ``query`` over ``rows`` (every replayed row of its files).

    Raises:
        ConfigError: the query does not parse in ``dialect``, is not one SELECT, or reads more
            than one source table (the replay maps one set of files per destination).
    """
    return _translate(query, dialect, rows)


def _translate(query: str, dialect: str, rows: str) -> str:
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(query, read=dialect)
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"not valid {dialect} SQL: {exc}", field="in.query") from exc
    if not isinstance(tree, exp.Query):
        raise ConfigError(
            f"expected one SELECT, got {tree.key.upper()}: {query[:80]!r}", field="in.query"
        )
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    sources = [t for t in tree.find_all(exp.Table) if t.name.lower() not in ctes or t.db]
    names = sorted({".".join(p for p in (t.catalog, t.db, t.name) if p) for t in sources})
    if len(names) != 1:
        raise ConfigError(
            f"the query reads {len(names)} tables ({', '.join(names) or 'none'}); a replayed "
            "load maps one set of files to its destination, so the query must read one table",
            field="in.query",
        )
    for table in sources:
        alias = table.alias or table.name
        table.replace(exp.to_table(rows, dialect="duckdb").as_(alias))
    return tree.sql(dialect="duckdb")
