"""Small builders shared by the rewrite rules: calls, literals and DuckDB templates."""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp

__all__ = ["call", "fill", "is_call", "string_value"]


def call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of a function sqlglot has no node for (a DuckDB built-in or one of our macros)."""
    return exp.Anonymous(this=name, expressions=list(args))


def string_value(node: exp.Expr | None) -> str | None:
    """The value of a string literal, else None (the rule then leaves the node to run time)."""
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def is_call(node: exp.Expr, name: str) -> bool:
    """Whether ``node`` calls ``name``, a function sqlglot parsed without a node of its own."""
    return isinstance(node, exp.Anonymous) and str(node.this).lower() == name


@lru_cache(maxsize=32)
def _template(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="duckdb")


def fill(sql: str, **values: exp.Expr) -> exp.Expr:
    """A DuckDB expression from ``sql`` with each column named like a keyword replaced.

    Example:
        >>> fill("timezone(z, to_timestamp(t))", z=exp.Literal.string("JST"), t=exp.column("x")).sql("duckdb")
        "TIMEZONE('JST', TO_TIMESTAMP(x))"
    """
    tree = _template(sql).copy()
    for column in list(tree.find_all(exp.Column)):
        if column.name in values:
            column.replace(values[column.name].copy())
    return tree
