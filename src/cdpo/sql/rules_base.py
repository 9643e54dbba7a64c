"""Small builders shared by the rewrite rules: calls, literals, DuckDB templates, and their reach."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

__all__ = ["Reach", "Rule", "call", "fill", "is_call", "reach_of", "rewrites", "string_value"]

Rule = Callable[[exp.Expr], exp.Expr]


@dataclass(frozen=True)
class Reach:
    """The nodes a rule may change; the rule must return every other node untouched.

    ``kinds`` are node classes; ``calls`` narrows ``exp.Anonymous`` to those function names
    (lower case); a rule with ``needs`` does nothing to a tree without a node of those classes.
    """

    kinds: tuple[type[exp.Expr], ...]
    calls: frozenset[str] = frozenset()
    needs: tuple[type[exp.Expr], ...] = ()

    def targets(self, nodes: list[exp.Expr]) -> list[exp.Expr]:
        """The ``nodes`` (a whole tree's, in its order) the rule is to be called on."""
        if self.needs and not any(isinstance(node, self.needs) for node in nodes):
            return []
        found = [node for node in nodes if isinstance(node, self.kinds)]
        if self.calls:
            found = [
                node
                for node in found
                if not isinstance(node, exp.Anonymous) or str(node.this).lower() in self.calls
            ]
        return found


_EVERY_NODE = Reach((exp.Expr,))
_REACH: dict[Rule, Reach] = {}


def rewrites(
    *kinds: type[exp.Expr],
    calls: tuple[str, ...] = (),
    needs: tuple[type[exp.Expr], ...] = (),
) -> Callable[[Rule], Rule]:
    """Declare what a rule may change (see ``Reach``).

    ``translate`` then calls the rule only on those nodes, and not at all on a tree without one,
    instead of on every node.
    """

    def register(rule: Rule) -> Rule:
        _REACH[rule] = Reach(kinds, frozenset(calls), needs)
        return rule

    return register


def reach_of(rule: Rule) -> Reach:
    """What ``rule`` may change; every node for a rule that declared nothing."""
    return _REACH.get(rule, _EVERY_NODE)


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
