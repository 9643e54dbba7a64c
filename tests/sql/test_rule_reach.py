"""Rules run only on the nodes they declared (``rewrites``): still everywhere they must."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from cdpo.sql import translate
from cdpo.sql.dialect import Td, TdSessionizeWindow
from cdpo.sql.rules import DUCKDB_RULES, integer_cast_strict, map_agg
from cdpo.sql.rules_base import reach_of
from cdpo.sql.rules_time import sessionize_select
from tests.sql.conftest import connect


def _nodes(sql: str) -> list[exp.Expr]:
    return list(sqlglot.parse_one(sql, read=Td).walk(bfs=False))


def test_every_rule_declares_what_it_may_change() -> None:
    for family, rules in DUCKDB_RULES.items():
        for rule in rules:
            assert reach_of(rule).kinds != (exp.Expr,), f"{family}: {rule.__name__}"


def test_a_call_rule_reaches_only_its_function() -> None:
    targets = reach_of(map_agg).targets(_nodes("SELECT map_agg(k, v), foo(k), upper(v) FROM t"))
    assert [node.sql() for node in targets] == ["MAP_AGG(k, v)"]


def test_a_rule_that_needs_a_node_skips_trees_without_it() -> None:
    reach = reach_of(sessionize_select)
    assert reach.targets(_nodes("SELECT (SELECT 1) FROM t")) == []
    sql = "SELECT TD_SESSIONIZE_WINDOW(time, 60) OVER (ORDER BY time) FROM (SELECT * FROM t)"
    nodes = _nodes(sql)
    assert any(isinstance(node, TdSessionizeWindow) for node in nodes)
    assert [type(node) for node in reach.targets(nodes)] == [exp.Select, exp.Select]


def test_a_node_an_earlier_rule_built_is_rewritten_by_a_later_one() -> None:
    """format_printf copies its arguments into printf; integer_cast_strict runs later on them."""
    assert reach_of(integer_cast_strict).kinds == (exp.Cast,)
    con = connect()
    (out,) = translate("SELECT format('%d', CAST('7' AS BIGINT))")
    assert con.execute(out).fetchall() == [("7",)]
    (out,) = translate("SELECT format('%d', CAST('3.5' AS BIGINT))")
    with pytest.raises(duckdb.Error, match=r"Cannot cast '3\.5' to BIGINT"):
        con.execute(out).fetchall()


@pytest.mark.parametrize(
    ("operand", "value"),
    [
        ("0", 0),
        ("-3", -3),
        ("1.5", 2),
        ("NULL", None),
        ("floor(7.9)", 7),
        ("length('abc') * 2", 6),
        ("CAST(2.4 AS DOUBLE)", 2),
        ("(4 + 1)", 5),
    ],
)
def test_an_integer_cast_of_a_value_that_is_never_text_stays_plain(
    operand: str, value: int | None
) -> None:
    """The VARCHAR check folds away for such operands; left out, it costs no binding."""
    (out,) = translate(f"SELECT CAST({operand} AS BIGINT)")
    assert "TYPEOF" not in out
    assert connect().execute(out).fetchall() == [(value,)]


@pytest.mark.parametrize("operand", ["x", "'7'", "CAST(x AS VARCHAR)", "x + 1", "coalesce(x, 1)"])
def test_an_integer_cast_of_a_value_that_may_be_text_keeps_presto_s_check(operand: str) -> None:
    (out,) = translate(f"SELECT CAST({operand} AS BIGINT) FROM t")
    assert "TYPEOF" in out and "Cannot cast" in out
