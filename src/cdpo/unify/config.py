"""The unify.yml model: every TD field, TD validator's cross-checks, and clear errors.

Mirrors TD's schema (treasure-boxes ``tool-box/unification-validator/models``; reference
spec-staging-unification.md §2 and td-apis-digdag-and-peers.md §D.2, §D.5). Fields TD documents but
cdpo does not implement (``merge_by_canonical_ids``, ``merge_by_persistent_ids``, attribute
``source_canonical_id``) are rejected loudly rather than ignored; fields that are not TD's
(``key_priorities``, ``tables[].filter``) are unknown fields and rejected too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from cdpo.errors import ConfigError, did_you_mean
from cdpo.unify.canonical import MAX_MERGE_KEYS
from cdpo.unify.names import check_identifier

__all__ = [
    "Attribute",
    "IdDefinition",
    "KeyColumn",
    "MasterTable",
    "SourceColumn",
    "UnifyConfig",
    "UnifyKey",
    "UnifyTable",
    "load_unify_config",
]

Ident = Annotated[str, AfterValidator(check_identifier)]
MAX_KEY_COLUMNS_PER_TABLE = 32  # TD p10_limitations
MAX_KEY_USES = 32  # a key may appear at most 32 times across all tables
MAX_TABLES = 255


# DuckDB (like Presto) matches with RE2, which has no backreferences and no lookaround.
_NOT_RE2 = re.compile(r"\\[1-9]|\(\?<?[=!]")


def _check_regexp(value: str | None) -> str | None:
    if value is not None:
        if _NOT_RE2.search(value):
            raise ValueError(
                f"{value!r} uses a backreference or lookaround, which RE2 (Presto, DuckDB) lacks"
            )
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


Regexp = Annotated[str | None, Field(max_length=512), AfterValidator(_check_regexp)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class UnifyKey(_Model):
    """An identifier type (email, td_client_id, …) and the rules a value must pass to be used."""

    name: Ident = Field(description="Key type name, referenced by key_columns and merge_by_keys.")
    valid_regexp: Regexp = Field(
        None,
        description="A value is valid only if this regex matches part of it (Presto regexp_like).",
    )
    invalid_texts: list[str | None] | None = Field(
        None,
        max_length=127,
        description="Exact values treated as invalid; a null entry rejects NULL.",
    )


class KeyColumn(_Model):
    """A column of a source table that carries values of a key."""

    column: Ident = Field(description="Column of the source table.")
    key: Ident = Field(description="Name of a key defined under keys.")


class UnifyTable(_Model):
    """A source table: where it lives and which of its columns carry keys."""

    database: Ident = Field(description="Database (a DuckDB schema locally) holding the table.")
    table: Ident = Field(description="Source table name.")
    as_: Ident | None = Field(
        None, alias="as", description="Alias used by source_tables and master source_columns."
    )
    incremental_columns: list[Ident] | None = Field(
        None, max_length=127, description="Columns that order new rows for incremental runs."
    )
    key_columns: list[KeyColumn] = Field(min_length=1, description="Column → key mapping.")

    @property
    def alias(self) -> str:
        """The name other sections use for this table (``as``, else ``table``)."""
        return self.as_ or self.table


class IdDefinition(_Model):
    """One canonical_ids[] or persistent_ids[] entry: the keys that merge, and the loop's caps."""

    name: Ident = Field(description="Id column name and prefix of every output table.")
    merge_by_keys: list[Ident] = Field(
        min_length=1, max_length=MAX_MERGE_KEYS, description="Keys that merge; order = priority."
    )
    merge_iterations: int = Field(3, gt=0, lt=50, description="Loop cap of a full run.")
    incremental_merge_iterations: int = Field(2, gt=0, lt=50, description="Loop cap, incremental.")
    source_tables: list[Ident] | None = Field(None, description="Table aliases feeding this id.")
    do_not_merge_key: Ident | None = Field(
        None, description="Records with different values of this key are never merged."
    )
    merge_by_canonical_ids: list[Ident] | None = None
    merge_by_persistent_ids: list[Ident] | None = None

    @model_validator(mode="after")
    def _own_rules(self) -> IdDefinition:
        if self.merge_by_canonical_ids or self.merge_by_persistent_ids:
            raise ValueError(
                "merge_by_canonical_ids/merge_by_persistent_ids are not supported by cdpo"
            )
        duplicates = [k for k, n in Counter(self.merge_by_keys).items() if n > 1]
        if duplicates:
            raise ValueError(f"merge_by_keys lists {duplicates[0]!r} twice")
        if self.do_not_merge_key and self.merge_by_keys[0] != self.do_not_merge_key:
            raise ValueError(
                f"do_not_merge_key {self.do_not_merge_key!r} must be the first element of "
                f"merge_by_keys (it is {self.merge_by_keys[0]!r})"
            )
        return self


class SourceColumn(_Model):
    """One candidate source of a master attribute."""

    table: Ident = Field(description="Alias (``as``) of a table in tables[].")
    column: Ident | None = Field(None, description="Column; defaults to the attribute name.")
    priority: int | None = Field(None, ge=1, description="Lower is preferred.")
    order: Literal["first", "last"] = Field("last", description="Earliest or latest value wins.")
    order_by: Ident = Field("time", description="Column that orders values.")


class Attribute(_Model):
    """A master-table column: a scalar, or a top-N array when ``array_elements`` is set."""

    name: Ident
    array_elements: int | None = Field(None, ge=1, le=10)
    valid_regexp: Regexp = None
    invalid_texts: list[str | None] | None = Field(None, max_length=127)
    source_columns: list[SourceColumn] = Field(min_length=1)

    @model_validator(mode="after")
    def _priorities(self) -> Attribute:
        given = [s.priority for s in self.source_columns if s.priority is not None]
        repeated = [p for p, n in Counter(given).items() if n > 1]
        if repeated:
            raise ValueError(f"priority {repeated[0]} is used twice in attribute {self.name!r}")
        return self

    def ranked_sources(self) -> list[SourceColumn]:
        """Sources by priority (lower first); sources without one keep list order, after the rest."""
        indexed = list(enumerate(self.source_columns))
        indexed.sort(key=lambda p: (p[1].priority is None, p[1].priority or 0, p[0]))
        return [s for _, s in indexed]


class MasterTable(_Model):
    """A golden-record table: one row per id, attributes chosen from the enriched tables."""

    name: Ident
    canonical_id: Ident | None = None
    persistent_id: Ident | None = None
    attributes: list[Attribute] = Field(min_length=1, max_length=512)

    @model_validator(mode="after")
    def _one_id(self) -> MasterTable:
        if (self.canonical_id is None) == (self.persistent_id is None):
            raise ValueError("set exactly one of canonical_id or persistent_id")
        names = [a.name for a in self.attributes]
        repeated = [n for n, c in Counter(names).items() if c > 1]
        if repeated:
            raise ValueError(f"attribute {repeated[0]!r} is defined twice")
        return self

    @property
    def id_name(self) -> str:
        return self.canonical_id or self.persistent_id or ""


class UnifyConfig(_Model):
    """unify.yml: keys, source tables, id definitions and master tables (TD's p1_syntax)."""

    name: Ident = Field(description="Output goes to database cdp_unification_{name}.")
    keys: list[UnifyKey] = Field(min_length=1)
    tables: list[UnifyTable] = Field(min_length=1, max_length=MAX_TABLES)
    canonical_ids: list[IdDefinition] = Field(default_factory=list)
    persistent_ids: list[IdDefinition] = Field(default_factory=list)
    master_tables: list[MasterTable] = Field(default_factory=list)

    @property
    def schema_name(self) -> str:
        return f"cdp_unification_{self.name}"

    def key(self, name: str) -> UnifyKey:
        return next(k for k in self.keys if k.name == name)

    def ids(self) -> list[tuple[IdDefinition, bool]]:
        """Every id definition with ``True`` for persistent ids."""
        return [(d, False) for d in self.canonical_ids] + [(d, True) for d in self.persistent_ids]

    def id_tables(self, definition: IdDefinition) -> list[tuple[int, UnifyTable]]:
        """(1-based table_id, table) of the tables feeding ``definition``."""
        wanted = set(definition.source_tables or [t.alias for t in self.tables])
        return [(i, t) for i, t in enumerate(self.tables, 1) if t.alias in wanted]

    @property
    def warnings(self) -> list[str]:
        """Problems TD's validator only warns about."""
        out = []
        for definition, _ in self.ids():
            missing = [k.name for k in self.keys if k.name not in definition.merge_by_keys]
            if missing:
                out.append(f"{definition.name}: keys not in merge_by_keys: {', '.join(missing)}")
        for master in self.master_tables:
            for attr in master.attributes:
                if len(attr.source_columns) > 1 and any(
                    s.priority is None for s in attr.source_columns
                ):
                    out.append(f"{master.name}.{attr.name}: a source column has no priority")
        return out


def _cross_check(config: UnifyConfig) -> None:
    """TD validator's cross-reference checks; raises ConfigError naming the field."""
    _unique([k.name for k in config.keys], "keys", "key")
    _unique([t.alias for t in config.tables], "tables", "table alias (as)")
    _unique([d.name for d, _ in config.ids()], "canonical_ids", "id name")
    if not config.ids():
        raise ConfigError(
            "define at least one of canonical_ids or persistent_ids", field="canonical_ids"
        )
    keys = [k.name for k in config.keys]
    uses: Counter[str] = Counter()
    for ti, table in enumerate(config.tables):
        if len(table.key_columns) > MAX_KEY_COLUMNS_PER_TABLE:
            raise ConfigError(
                f"{len(table.key_columns)} key_columns; TD allows at most {MAX_KEY_COLUMNS_PER_TABLE}",
                field=f"tables[{ti}].key_columns",
            )
        for ci, kc in enumerate(table.key_columns):
            _known(kc.key, keys, f"tables[{ti}].key_columns[{ci}].key", "key")
            uses[kc.key] += 1
    for key in keys:
        if uses[key] == 0:
            raise ConfigError(
                f"key {key!r} is defined but no table's key_columns uses it", field="keys"
            )
        if uses[key] > MAX_KEY_USES:
            raise ConfigError(
                f"key {key!r} is used {uses[key]} times; TD allows {MAX_KEY_USES}", field="keys"
            )
    aliases = [t.alias for t in config.tables]
    for definition, persistent in config.ids():
        section = "persistent_ids" if persistent else "canonical_ids"
        where = f"{section}[{definition.name}]"
        for key in definition.merge_by_keys:
            _known(key, keys, f"{where}.merge_by_keys", "key")
        for alias in definition.source_tables or []:
            _known(alias, aliases, f"{where}.source_tables", "table alias")
        if persistent and definition.do_not_merge_key:
            raise ConfigError("persistent ids do not support do_not_merge_key", field=where)
    _check_masters(config, aliases)


def _check_masters(config: UnifyConfig, aliases: list[str]) -> None:
    ids = {d.name: p for d, p in config.ids()}
    _unique([m.name for m in config.master_tables], "master_tables", "master table name")
    for mi, master in enumerate(config.master_tables):
        where = f"master_tables[{mi}]"
        persistent = master.persistent_id is not None
        _known(
            master.id_name,
            list(ids),
            f"{where}.{'persistent_id' if persistent else 'canonical_id'}",
            "id",
        )
        if ids[master.id_name] != persistent:
            raise ConfigError(
                f"{master.id_name!r} is not a {'persistent' if persistent else 'canonical'} id",
                field=where,
            )
        for ai, attr in enumerate(master.attributes):
            for si, source in enumerate(attr.source_columns):
                field = f"{where}.attributes[{ai}].source_columns[{si}].table"
                _known(source.table, aliases, field, "table alias")


def _unique(names: list[str], field: str, what: str) -> None:
    repeated = [n for n, c in Counter(names).items() if c > 1]
    if repeated:
        raise ConfigError(f"{what} {repeated[0]!r} is defined twice", field=field)


def _known(value: str, choices: list[str], field: str, what: str) -> None:
    if value not in choices:
        raise ConfigError(
            f"unknown {what} {value!r}; valid: {', '.join(choices)}.{did_you_mean(value, choices)}",
            field=field,
        )


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _validate_model(data: Mapping[str, Any], file: str | None) -> UnifyConfig:
    try:
        return UnifyConfig.model_validate(dict(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(
            p for p in error["loc"] if p not in ("function-after[check_identifier(), str]",)
        )
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}; it is not part of TD's unify.yml schema"
        raise ConfigError(message, file=file, field=_field_path(loc) or None) from None


def load_unify_config(source: str | Path | Mapping[str, Any]) -> UnifyConfig:
    """Load and validate unify.yml from a path, a YAML string path, or an already parsed dict.

    Raises:
        ConfigError: the YAML does not parse, a field is invalid, or a cross-check fails; the message
            names the file and the field and says what would be valid.
    """
    file: str | None = None
    if isinstance(source, Mapping):
        data: Any = source
    else:
        import yaml

        file = str(source)
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read unify.yml: {exc.strerror}", file=file) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise ConfigError(f"not valid YAML: {exc}", file=file, line=line) from None
    if not isinstance(data, Mapping):
        raise ConfigError("unify.yml must be a mapping with name, keys, tables, …", file=file)
    config = _validate_model(data, file)
    try:
        _cross_check(config)
    except ConfigError as exc:
        raise ConfigError(exc.problem, file=file, field=exc.field) from None
    return config
