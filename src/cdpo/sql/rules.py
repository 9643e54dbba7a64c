"""AST rewrites that make TD's SQL mean on DuckDB what it means on TD, and the order they run in.

sqlglot translates most of Presto and Hive, but some translations run and give a different answer
(reference/dependencies-measured.md §3a): Java's ``$1`` back-references stay literal,
``regexp_extract`` returns '' instead of NULL, ``format`` takes '{}' instead of '%s'. Each rule is
one function from a node to its replacement (or the node itself); time and date rules live in
``cdpo.sql.rules_time``. ``translate`` applies ``DUCKDB_RULES[read]`` in order, bottom-up.
"""

from __future__ import annotations

import re

from sqlglot import exp

from cdpo.errors import TranslationError
from cdpo.sql.rules_base import Rule, call, fill, is_call, rewrites, string_value
from cdpo.sql.rules_time import (
    at_timezone,
    date_diff_whole_units,
    date_stays_date,
    format_datetime,
    from_unixtime_zone,
    hive_date_add,
    hive_unix_timestamp,
    parse_datetime,
    sessionize_select,
    sessionize_window,
    td_time_format_strftime,
    td_time_parse_of_parsed,
)

__all__ = [
    "DUCKDB_RULES",
    "Rule",
    "array_distinct_ordered",
    "drop_table_properties",
    "format_printf",
    "hive_double_division",
    "integer_cast_strict",
    "map_agg",
    "regexp_extract_null",
    "regexp_replace_backrefs",
]

_BACKREF_CHARS = re.compile(r"[$\\]")


@rewrites(exp.RegexpReplace)
def regexp_replace_backrefs(node: exp.Expr) -> exp.Expr:
    """Java's ``$1`` in a replacement becomes RE2's ``\\1`` (DuckDB would print ``$1``)."""
    if not isinstance(node, exp.RegexpReplace):
        return node
    replacement = string_value(node.args.get("replacement"))
    if replacement is None or not _BACKREF_CHARS.search(replacement):
        return node
    node.set("replacement", exp.Literal.string(_java_to_re2(replacement)))
    return node


def _java_to_re2(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append("\\\\" if text[i + 1] == "\\" else text[i + 1])
            i += 2
        elif char == "$" and i + 1 < len(text) and text[i + 1].isdigit():
            out.append("\\" + text[i + 1])
            i += 2
        elif char == "$":
            raise TranslationError(f"regexp_replace replacement {text!r}: use $N back-references")
        else:
            out.append(char)
            i += 1
    return "".join(out)


@rewrites(exp.RegexpExtract)
def regexp_extract_null(node: exp.Expr) -> exp.Expr:
    """Presto's ``regexp_extract`` is NULL when nothing matches; DuckDB's is ''."""
    if not isinstance(node, exp.RegexpExtract):
        return node
    matches = exp.RegexpLike(this=node.this.copy(), expression=node.expression.copy())
    return exp.Case(ifs=[exp.If(this=matches, true=node)])


@rewrites(exp.Anonymous, calls=("map_agg",))
def map_agg(node: exp.Expr) -> exp.Expr:
    """``map_agg(k, v)``, which DuckDB lacks, becomes a map built from a list of entries."""
    if not is_call(node, "map_agg") or len(node.expressions) != 2:
        return node
    key, value = node.expressions
    return fill(
        "map_from_entries(list({'k': k, 'v': v}) FILTER (WHERE k IS NOT NULL))", k=key, v=value
    )


_FORMAT_SPEC = re.compile(r"%(?:\d+\$)?[-#+ 0,(]*\d*(?:\.\d+)?([a-zA-Z%])")


@rewrites(exp.Format)
def format_printf(node: exp.Expr) -> exp.Expr:
    """Presto's ``format`` is Java's String.format ('%s', '%d'); DuckDB's ``format`` uses '{}'.

    DuckDB's ``printf`` takes the same specifiers, but its ``%s`` wants a string: cast those args.
    """
    if not isinstance(node, exp.Format):
        return node
    args = [a.copy() for a in node.expressions]
    pattern = string_value(node.this)
    if pattern is not None:
        specs = [m[1] for m in _FORMAT_SPEC.finditer(pattern) if m[1] not in "%n"]
        for index, spec in enumerate(specs[: len(args)]):
            if spec in "sS":
                args[index] = exp.cast(args[index], "VARCHAR")
    return call("printf", node.this.copy(), *args)


@rewrites(exp.Create)
def drop_table_properties(node: exp.Expr) -> exp.Expr:
    """TD's ``WITH (bucketed_on = ..., bucket_count = ...)`` tune storage; DuckDB has none."""
    if isinstance(node, exp.Create) and (props := node.args.get("properties")) is not None:
        kept = [p for p in props.expressions if type(p) is not exp.Property]
        node.set("properties", exp.Properties(expressions=kept) if kept else None)
    return node


@rewrites(exp.Div)
def hive_double_division(node: exp.Expr) -> exp.Expr:
    """Hive's ``/`` always returns a double (7 / 2 = 3.5), on a connection that divides integers."""
    if isinstance(node, exp.Div):
        node.set("this", exp.cast(node.this, "DOUBLE"))
    return node


_INTEGER_TYPES = frozenset({exp.DType.TINYINT, exp.DType.SMALLINT, exp.DType.INT, exp.DType.BIGINT})
_DIGITS = exp.Literal.string("[+-]?[0-9]+")


@rewrites(exp.Cast)
def integer_cast_strict(node: exp.Expr) -> exp.Expr:
    """Presto's ``CAST('3.5' AS BIGINT)`` raises and ``TRY_CAST`` gives NULL; DuckDB rounds to 4.

    Only a VARCHAR operand is checked (``typeof`` is folded when the query is planned, so other
    types keep the plain cast): it must be an optionally signed run of digits. The result is
    ``CASE WHEN typeof(x) = 'VARCHAR' AND NOT regexp_full_match(trim(CAST(x AS VARCHAR)),
    '[+-]?[0-9]+') THEN error(...) ELSE CAST(x AS BIGINT) END``, NULL for ``error`` in TRY_CAST.
    """
    if not isinstance(node, exp.Cast) or node.to.this not in _INTEGER_TYPES:
        return node
    if _never_text(node.this):  # the check would fold away, but binding it costs a millisecond
        return node
    # Built node by node, one copy of the operand per use, the VARCHAR type and the type's name
    # made once: this runs on every integer cast, where templates cost copies and parses.
    text = exp.cast(node.this.copy(), _VARCHAR.copy(), copy=False)
    failure: exp.Expr = exp.Null()
    if not isinstance(node, exp.TryCast):
        message = exp.Literal.string(f"' to {_presto_type(node.to)}")
        head = exp.DPipe(this=exp.Literal.string("Cannot cast '"), expression=text, safe=True)
        failure = call("error", exp.DPipe(this=head, expression=message, safe=True))
        text = text.copy()
    typeof = exp.Typeof(this=node.this.copy())
    varchar = exp.EQ(this=typeof, expression=exp.Literal.string("VARCHAR"))
    digits = exp.RegexpFullMatch(this=exp.Trim(this=text), expression=_DIGITS.copy())
    bad = exp.And(this=varchar, expression=exp.Not(this=digits))
    return exp.Case(ifs=[exp.If(this=bad, true=failure)], default=node)


_NUMERIC_RESULTS = (exp.Floor, exp.Ceil, exp.Round, exp.Abs, exp.Count, exp.Length, exp.TimeToUnix)
"""Functions whose DuckDB result is a number whatever their argument."""
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)
_TEXT_TYPES = frozenset({exp.DType.VARCHAR, exp.DType.CHAR, exp.DType.TEXT, exp.DType.NVARCHAR})


def _never_text(node: exp.Expr) -> bool:
    """Whether ``node`` is never VARCHAR, seen from its shape alone: a number, NULL or boolean
    literal, a numeric function, a cast to a type that is not text, arithmetic on such."""
    if isinstance(node, exp.Literal):
        return not node.is_string
    if isinstance(node, (exp.Null, exp.Boolean, *_NUMERIC_RESULTS)):
        return True
    if isinstance(node, exp.Neg | exp.Paren):
        return _never_text(node.this)
    if isinstance(node, _ARITHMETIC):
        return _never_text(node.this) and _never_text(node.expression)
    if isinstance(node, exp.Cast):
        return node.to.this not in _TEXT_TYPES and node.to.this is not exp.DType.UNKNOWN
    return False


_VARCHAR = exp.DataType.build("VARCHAR")
_PLAIN_TYPES: dict[exp.DType, str] = {}


def _presto_type(to: exp.DataType) -> str:
    """``to`` as Presto writes it; a plain type (no size, no options) is printed once."""
    if any(value for key, value in to.args.items() if key != "this"):
        return to.sql("presto")
    if to.this not in _PLAIN_TYPES:
        _PLAIN_TYPES[to.this] = to.sql("presto")
    return _PLAIN_TYPES[to.this]


@rewrites(exp.ArrayDistinct)
def array_distinct_ordered(node: exp.Expr) -> exp.Expr:
    """Presto's ``array_distinct`` keeps first occurrences in order; DuckDB's ``list_distinct``
    returns them in any order and drops NULL."""
    if not isinstance(node, exp.ArrayDistinct):
        return node
    return call("td__array_distinct", node.this)


_COMMON = (
    from_unixtime_zone, at_timezone, format_datetime, parse_datetime, td_time_parse_of_parsed,
    td_time_format_strftime, regexp_replace_backrefs, map_agg, sessionize_select,
    sessionize_window, drop_table_properties, date_diff_whole_units, format_printf,
    date_stays_date, array_distinct_ordered,
)  # fmt: skip

DUCKDB_RULES: dict[str, tuple[Rule, ...]] = {
    "presto": (*_COMMON, regexp_extract_null, integer_cast_strict),
    "hive": (*_COMMON, hive_double_division, hive_date_add, hive_unix_timestamp),
}
"""Rules per input dialect for DuckDB output, in the order they run."""
