"""Translate TD SQL (Presto/Trino or Hive) into statements an engine runs with the same meaning.

The output relies on ``install_td_functions`` having prepared the connection: TD's functions, and
Presto's integer division (``7 / 2 = 3``) through DuckDB's ``integer_division`` setting.

Known gaps, each pinned by a case in ``tests/sql/cases/known_gaps.yml`` so that a fix shows:

- ``UNION ALL`` of BIGINT and VARCHAR columns coerces to VARCHAR on DuckDB; Presto raises.
- DATE arithmetic (``d + INTERVAL '1' DAY``, ``date_trunc``, ``date_add``) on a DATE *column*
  gives a TIMESTAMP; on literals, casts and ``current_date`` it stays a DATE, as in Presto.
  Both gaps need column types, which a statement-by-statement translator does not have.
- Hive's ``CAST('3.5' AS INT)`` rounds; the strict integer cast is applied to Presto input only.
- Values of ``at_timezone``/``from_unixtime(t, zone)`` are wall-clock timestamps without their zone
  (DuckDB has no per-value zone), so ``to_iso8601`` of them prints no offset.
- ``map_agg`` with a duplicate key raises on DuckDB; Presto keeps an arbitrary value.
- A function sqlglot translates to a name DuckDB lacks (``width_bucket``) fails when it runs.
- ``TD_SESSIONIZE_WINDOW`` ids are md5 strings, not UUIDs. In a SELECT with joins, GROUP BY or
  DISTINCT they are computed per row, O(n²) per partition (elsewhere O(n log n)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ErrorLevel, SqlglotError

from cdpo.errors import TranslationError, did_you_mean
from cdpo.sql.dialect import TD_FUNCTIONS, Td, TdHive
from cdpo.sql.functions import td_function_names
from cdpo.sql.rules import DUCKDB_RULES, Rule
from cdpo.sql.rules_base import reach_of
from cdpo.sql.split import split_statements

__all__ = ["READS", "WRITES", "translate"]


@dataclass(frozen=True)
class Writer:
    """An output engine: its sqlglot dialect and the rules to run per input dialect."""

    dialect: Any
    rules: dict[str, tuple[Rule, ...]]


READS: dict[str, tuple[str, Any]] = {
    "presto": ("presto", Td),
    "trino": ("presto", Td),
    "hive": ("hive", TdHive),
}
"""Input dialect names → (rule family, sqlglot dialect class)."""

WRITES: dict[str, Writer] = {"duckdb": Writer(DuckDB, DUCKDB_RULES)}
"""Output engines. Spark would add its dialect and its own rule tuples here."""


def translate(sql: str, *, read: str = "presto", write: str = "duckdb") -> list[str]:
    """Split ``sql`` into statements and translate each from ``read`` to ``write``.

    One input statement can become several (Hive's ``INSERT OVERWRITE`` is a delete then an
    insert) or none (``SET`` statements that tune TD's engines).

    Raises:
        TranslationError: unknown dialect, unparsable statement, or a construct with no
            translation; the message names the statement and the construct.

    Example:
        >>> translate("SELECT TD_TIME_FORMAT(time, 'yyyy-MM-dd', 'JST') AS d FROM t")
        ["SELECT STRFTIME(TD__LOCAL(time, 'JST'), '%Y-%m-%d') AS d FROM t"]
    """
    family, reader = _choose(READS, read, "read")
    writer = _choose(WRITES, write, "write")
    out: list[str] = []
    statements = split_statements(sql, backslash_escapes=family == "hive")
    for number, statement in enumerate(statements, start=1):
        try:
            out.extend(_translate_one(statement, reader, writer.dialect, writer.rules[family]))
        except TranslationError as exc:
            raise _located(exc.problem, number, statement) from exc
        except SqlglotError as exc:
            raise _located(_sqlglot_problem(exc), number, statement) from exc
    return out


def _translate_one(statement: str, reader: Any, writer: Any, rules: tuple[Rule, ...]) -> list[str]:
    tree = sqlglot.parse_one(statement, read=reader, error_level=ErrorLevel.RAISE)
    if isinstance(tree, exp.Set):
        return []
    tree, nodes = _rewrite(tree, rules)
    _check_functions(tree, nodes)
    # The tree is ours and dropped after this: the generator need not copy it before it mutates it.
    return [
        part.sql(dialect=writer, copy=False, unsupported_level=ErrorLevel.RAISE)
        for part in _expand(tree)
    ]


def _rewrite(tree: exp.Expr, rules: tuple[Rule, ...]) -> tuple[exp.Expr, list[exp.Expr]]:
    """Run ``rules`` in order; returns the new tree and its nodes (depth first, parents first).

    A rule is called only on the nodes it declared (``rewrites``), and the tree is walked
    again only after a rule was called, as it may have changed it: most statements hold few of
    the kinds the rules rewrite, so most rules cost one pass over a list instead of a tree walk.
    """
    nodes = list(tree.walk(bfs=False))
    for rule in rules:
        targets = reach_of(rule).targets(nodes)
        if targets:
            tree = _apply(tree, rule, targets)
            nodes = list(tree.walk(bfs=False))
    return tree, nodes


def _apply(tree: exp.Expr, rule: Rule, targets: list[exp.Expr]) -> exp.Expr:
    """Run ``rule`` on ``targets`` (in tree order), children before parents; replaced subtrees
    are not revisited."""
    for node in reversed(targets):
        parent, key, index = node.parent, node.arg_key, node.index
        new = rule(node)
        if new is node:
            continue
        if parent is None or key is None:
            tree = new
        else:
            parent.set(key, new, index)
    return tree


def _expand(tree: exp.Expr) -> list[exp.Expr]:
    """Hive's ``INSERT OVERWRITE TABLE t SELECT ...``: delete every row of t, then insert."""
    if not (isinstance(tree, exp.Insert) and tree.args.get("overwrite")):
        return [tree]
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    if table.args.get("partition") or tree.args.get("partition"):
        raise TranslationError("INSERT OVERWRITE ... PARTITION has no translation")
    tree.set("overwrite", None)
    return [exp.Delete(this=table.copy()), tree]


def _check_functions(tree: exp.Expr, nodes: list[exp.Expr]) -> None:
    """A function DuckDB does not know would fail at run time: name it now, with a suggestion.

    Only functions sqlglot has no node for are checked; a node sqlglot translates to a name DuckDB
    lacks (``width_bucket``) still fails when it runs, with DuckDB's catalog error. ``nodes`` are
    the tree's; the first unknown one is named in breadth-first order.
    """
    known = _known_functions()
    calls = [node for node in nodes if isinstance(node, exp.Anonymous)]
    if all(str(node.this).lower() in known for node in calls):
        return
    for node in tree.find_all(exp.Anonymous):
        name = str(node.this).lower()
        if name not in known:
            raise TranslationError(
                f"function {node.this}() has no DuckDB translation.{did_you_mean(name, known)}"
            )


@lru_cache(maxsize=1)
def _known_functions() -> frozenset[str]:
    import duckdb

    with duckdb.connect() as con:
        rows = con.execute("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
    return frozenset({row[0].lower() for row in rows}) | td_function_names()


def _choose(table: dict[str, Any], name: str, what: str) -> Any:
    if name not in table:
        raise TranslationError(
            f"unknown {what} dialect {name!r}; valid: {', '.join(sorted(table))}."
            + did_you_mean(name, table)
        )
    return table[name]


_CLASS = re.compile(r"<class '[\w.]+\.(\w+)'>")
_SQL_NAMES = {cls.__name__: name for name, cls in TD_FUNCTIONS.items()}


def _sqlglot_problem(exc: SqlglotError) -> str:
    """sqlglot's first error, with TD function classes named as the user wrote them."""
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        text = (
            f"cannot parse near line {first.get('line')}, column {first.get('col')}: "
            f"{first.get('description')} (at {first.get('highlight')!r})"
        )
    else:
        text = str(exc).splitlines()[0]
    return _CLASS.sub(lambda m: _SQL_NAMES.get(m[1], m[1]), text)


def _located(problem: str, number: int, statement: str) -> TranslationError:
    head = " ".join(statement.split())
    head = head if len(head) <= 80 else head[:77] + "..."
    return TranslationError(f"statement {number} ({head}): {problem}", sql=statement)
