"""The staging rule library: one function per column class, written once against ``Dialect``
primitives and so rendered for Presto and for Hive from the same definition (spec §7.3).

Rules follow spec-staging-unification.md §1.3 with the defects of §6 fixed: one configurable
null-token set with ``NA`` (§6.1); an email regex that accepts lower-case domains (§6.2); hashes of
the standardised value, SHA-256 lower-case hex (§6.3); ids keep their case, only ``text`` is
upper-cased (§6.4); phones in E.164 for any supported country (§6.5); dates with offsets (§6.5).
No rule outputs TIMESTAMP or BOOLEAN: times are VARCHAR/BIGINT, booleans 'TRUE'/'FALSE' (§1.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cdpo.phases.staging.dates import unixtime_sql
from cdpo.phases.staging.dialects import Dialect
from cdpo.phases.staging.phones import e164_sql, preclean_sql
from cdpo.phases.staging.settings import DEFAULT_NULL_TOKENS

__all__ = [
    "EMAIL_PATTERN",
    "RULES",
    "ColumnSpec",
    "JsonKey",
    "Output",
    "RuleContext",
    "is_string_type",
    "metadata_outputs",
    "null_tokens_sql",
    "outputs_of",
    "parsed_sql",
    "prepared_sql",
]

EMAIL_PATTERN = (
    "^[a-z0-9_%+-]+([.][a-z0-9_%+-]+)*@[a-z0-9]([a-z0-9-]*[a-z0-9])?"
    "([.][a-z0-9]([a-z0-9-]*[a-z0-9])?)*[.][a-z]{2,}$"
)
"""Applied to the trimmed, lower-cased value: plus-addressing yes; no dot at either end of the
local part, no ``..``, no ``@@``, a TLD of two letters or more."""
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")
_STRING_TYPES = ("varchar", "string", "char", "text", "json")


def is_string_type(type_: str) -> bool:
    return type_.lower().split("(")[0].strip() in _STRING_TYPES


@dataclass(frozen=True)
class JsonKey:
    """A key found in a JSON column's sample: its path (≤2 levels) and what it holds."""

    path: tuple[str, ...]
    kind: str  # "scalar" | "array" | "object"


@dataclass(frozen=True)
class ColumnSpec:
    """A source column with its class, why it got it, and (JSON) the keys to extract."""

    name: str
    type: str
    cls: str
    reason: str
    json_keys: tuple[JsonKey, ...] = ()


@dataclass(frozen=True)
class Output:
    """One output column: name, SQL over the source row, output type, the rule that made it."""

    name: str
    sql: str
    type: str
    rule: str


@dataclass(frozen=True)
class RuleContext:
    """What every rule may use besides the column: the dialect and the configured policies."""

    dialect: Dialect
    null_tokens: tuple[str, ...] = DEFAULT_NULL_TOKENS
    country: str = "US"
    timezone: str = "UTC"


def null_tokens_sql(ctx: RuleContext, expr: str, out: str | None = None) -> str:
    """``out`` (default ``expr``) unless ``UPPER(expr)`` is a null token, then NULL.

    A simple CASE, not ``IN (...)``: DuckDB plans an IN list of five values or more as a join per
    column (its InClauseRewriter), which cost the local runtime ~12 % of a staging query.
    """
    if not ctx.null_tokens:
        return out or expr
    tokens = " ".join(f"WHEN {ctx.dialect.literal(t)} THEN NULL" for t in ctx.null_tokens)
    return f"CASE UPPER({expr}) {tokens} ELSE {out or expr} END"


def _trimmed(ctx: RuleContext, col: ColumnSpec) -> str:
    source = ctx.dialect.quote(col.name)
    if not is_string_type(col.type):
        source = ctx.dialect.to_string(source)
    return f"TRIM({source})"


def _clean(ctx: RuleContext, col: ColumnSpec) -> str:
    """Trimmed, null tokens → NULL: the base of every string rule."""
    return null_tokens_sql(ctx, _trimmed(ctx, col))


def _integer(col: ColumnSpec) -> bool:
    return col.type.lower() in ("bigint", "integer", "int", "smallint")


def helper_column(col: ColumnSpec, what: str) -> str:
    """A helper column of ``source_data`` or ``parsed_data`` (``{col}__{what}``), not an output."""
    return f"{col.name}__{what}"


def prepared_sql(ctx: RuleContext, col: ColumnSpec) -> list[tuple[str, str]]:
    """What ``source_data`` holds for ``col`` (name, SQL): its class's base cleaning, written once,
    so each rule reads the short prepared column instead of repeating the cleaning expression;
    a phone also gets its digits-only preclean (spec §1.3 ``phone_number_preclean``)."""
    base = _base_sql(ctx, col)
    if col.cls == "phone":
        return [(col.name, base), (helper_column(col, "digits"), preclean_sql(ctx.dialect, base))]
    return [(col.name, base)]


def parsed_sql(ctx: RuleContext, col: ColumnSpec) -> list[tuple[str, str]]:
    """What ``parsed_data`` adds for ``col`` over ``source_data`` (name, SQL): the one value its
    outputs derive from (a date's unix seconds through the whole format cascade, an email's or a
    phone's standardised spelling), parsed once per row instead of once per output."""
    if col.cls not in _PARSED:
        return []
    what, parse = _PARSED[col.cls]
    return [(helper_column(col, what), parse(ctx, col))]


def _parsed(ctx: RuleContext, col: ColumnSpec) -> str:
    """The quoted ``parsed_data`` column of ``col``."""
    return ctx.dialect.quote(helper_column(col, _PARSED[col.cls][0]))


def _base_sql(ctx: RuleContext, col: ColumnSpec) -> str:
    q = ctx.dialect.quote(col.name)
    typed = not is_string_type(col.type)
    if col.cls in ("time", "keep", "numeric") or (typed and col.cls in ("boolean", "amount")):
        return q
    if col.cls == "date" and _integer(col):
        return q
    if col.cls == "email":
        return null_tokens_sql(ctx, f"LOWER({_trimmed(ctx, col)})")
    if col.cls == "boolean":
        return f"LOWER({_trimmed(ctx, col)})"
    return _clean(ctx, col)


def _same(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    q = ctx.dialect.quote(col.name)
    lowered = col.type.lower()
    if lowered.startswith(("timestamp", "date", "time")) and col.name != "time":
        return [Output(col.name, ctx.dialect.to_string(q), "varchar", col.cls)]
    if lowered.startswith("bool"):
        return _boolean(ctx, col)
    return [Output(col.name, q, lowered or "varchar", col.cls)]


def _id(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    return [Output(col.name, ctx.dialect.quote(col.name), "varchar", "id")]


def _text(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    return [Output(col.name, f"UPPER({ctx.dialect.quote(col.name)})", "varchar", "text")]


def _validated(ctx: RuleContext, col: ColumnSpec, std: str, rule: str) -> list[Output]:
    """``_std``, ``_hash`` (of the standardised value only) and ``_valid`` ('TRUE'/'FALSE')."""
    return [
        Output(f"{col.name}_std", std, "varchar", rule),
        Output(f"{col.name}_hash", ctx.dialect.sha256_hex(std), "varchar", rule),
        Output(
            f"{col.name}_valid",
            f"CASE WHEN {std} IS NOT NULL THEN 'TRUE' ELSE 'FALSE' END",
            "varchar",
            rule,
        ),
    ]


def _email_std(ctx: RuleContext, col: ColumnSpec) -> str:
    cleaned = ctx.dialect.quote(col.name)
    return f"CASE WHEN {ctx.dialect.matches(cleaned, EMAIL_PATTERN)} THEN {cleaned} END"


def _email(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    cleaned = ctx.dialect.quote(col.name)
    std = _parsed(ctx, col)
    return [Output(col.name, cleaned, "varchar", "email"), *_validated(ctx, col, std, "email")]


def _phone_std(ctx: RuleContext, col: ColumnSpec) -> str:
    d = ctx.dialect
    return e164_sql(d, d.quote(col.name), d.quote(helper_column(col, "digits")), ctx.country)


def _phone(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    cleaned = ctx.dialect.quote(col.name)
    std = _parsed(ctx, col)
    return [Output(col.name, cleaned, "varchar", "phone"), *_validated(ctx, col, std, "phone")]


def _date_unixtime(ctx: RuleContext, col: ColumnSpec) -> str:
    d = ctx.dialect
    return unixtime_sql(d, d.quote(col.name), ctx.timezone, integer=_integer(col))


def _date(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    d = ctx.dialect
    kept = Output(col.name, d.quote(col.name), "bigint" if _integer(col) else "varchar", "date")
    unix = _parsed(ctx, col)
    std = d.epoch_text(unix)
    return [
        kept,
        Output(f"{col.name}_std", std, "varchar", "date"),
        Output(f"{col.name}_unixtime", unix, "bigint", "date"),
        Output(f"{col.name}_date", f"SUBSTR({std}, 1, 10)", "varchar", "date"),
    ]


_PARSED: dict[str, tuple[str, Callable[[RuleContext, ColumnSpec], str]]] = {
    "date": ("unixtime", _date_unixtime),
    "email": ("std", _email_std),
    "phone": ("std", _phone_std),
}
"""Column class → the helper its outputs derive from (``parsed_sql``): name suffix and SQL."""


def _amount(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    d = ctx.dialect
    if not is_string_type(col.type):
        return [
            Output(col.name, f"ROUND(CAST({d.quote(col.name)} AS DOUBLE), 2)", "double", "amount")
        ]
    # Currency signs, spaces and thousands separators go; NULL stays NULL, never 0 (spec §1.3).
    number = f"regexp_replace({d.quote(col.name)}, '[$€£¥, ]', '')"
    return [Output(col.name, f"ROUND({d.to_double(number)}, 2)", "double", "amount")]


def _boolean(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    d = ctx.dialect
    if col.type.lower().startswith("bool"):
        q = d.quote(col.name)
        sql = f"CASE WHEN {q} THEN 'TRUE' WHEN NOT {q} THEN 'FALSE' END"
        return [Output(col.name, sql, "varchar", "boolean")]
    word = d.quote(col.name)
    yes = ", ".join(d.literal(w) for w in TRUE_WORDS)
    no = ", ".join(d.literal(w) for w in FALSE_WORDS)
    sql = f"CASE WHEN {word} IN ({yes}) THEN 'TRUE' WHEN {word} IN ({no}) THEN 'FALSE' END"
    return [Output(col.name, sql, "varchar", "boolean")]


def json_alias(column: str, path: Sequence[str]) -> str:
    """``{col}_{key}`` or ``{col}_{parent}_{child}``, lower-case, non-word characters as ``_``."""
    words = [re.sub(r"[^a-z0-9_]+", "_", k.lower()).strip("_") or "key" for k in path]
    return "_".join([column.lower(), *words])


def _json(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    d = ctx.dialect
    source = d.quote(col.name)
    outputs = [Output(col.name, source, "varchar", "json")]
    for key in col.json_keys:
        alias = json_alias(col.name, key.path)
        if key.kind == "array":
            outputs.append(Output(alias, d.json_array(source, key.path), "array(varchar)", "json"))
        elif key.kind == "object":
            outputs.append(Output(alias, d.json_text(source, key.path), "varchar", "json"))
        else:
            value = f"TRIM({d.json_scalar(source, key.path)})"
            outputs.append(Output(alias, null_tokens_sql(ctx, value), "varchar", "json"))
    return outputs


RULES: dict[str, Callable[[RuleContext, ColumnSpec], list[Output]]] = {
    "time": _same,
    "keep": _same,
    "numeric": _same,
    "id": _id,
    "text": _text,
    "email": _email,
    "phone": _phone,
    "date": _date,
    "amount": _amount,
    "boolean": _boolean,
    "json": _json,
}
"""Column class → its rule (a class without an entry here is a bug: ``outputs_of`` raises)."""


def outputs_of(ctx: RuleContext, col: ColumnSpec) -> list[Output]:
    """The output columns of ``col`` under its class's rule."""
    return RULES[col.cls](ctx, col)


def metadata_outputs(ctx: RuleContext, source_table: str) -> list[Output]:
    """``source_system`` (the source table) and ``load_timestamp`` (spec §1.3 metadata)."""
    return [
        Output("source_system", ctx.dialect.literal(source_table), "varchar", "metadata"),
        Output("load_timestamp", ctx.dialect.now_text(), "varchar", "metadata"),
    ]
