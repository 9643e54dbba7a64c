"""What the unification project unifies, resolved from pipeline.yml and the staged tables' live schemas.

Names in one place (spec-staging-unification.md §7.15): the output database is
``databases.unification`` = ``cdp_unification_{unify.yml name}`` (TD derives it from the name, §2);
the id column and the prefix of every output table is ``unification.name``; each staged table
``t`` gets a prep table ``{lookup_db}.t_prep`` (its key columns, junk values nulled, and the columns
its master tables read) and an enriched table ``{output_db}.enriched_t``. ``unify_yml`` renders the
model and ``cdpo.unify``'s validator (TD's cross-checks) checks it before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdpo.errors import ConfigError, GenerateError, NotFoundError, did_you_mean
from cdpo.phases.common import sample_values
from cdpo.phases.ingestion import quote, split_table
from cdpo.phases.unification.discover import DiscoveredColumn, discover_columns
from cdpo.phases.unification.masters import master_yml, prep_columns, resolve_master_tables
from cdpo.phases.unification.settings import (
    MasterTableSettings,
    UnificationKey,
    UnificationSettings,
)
from cdpo.targets.base import Column, Target

__all__ = [
    "DEFAULT_KEY_RULES",
    "OUTPUT_PREFIX",
    "UnificationModel",
    "UnifiedTable",
    "build_unification_model",
    "unified_inputs",
]

OUTPUT_PREFIX = "cdp_unification_"
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Lower-case TLDs are valid (defect §6.2: the plugin's `[A-Z]{2,}` rejected almost every email).
DEFAULT_KEY_RULES: Mapping[str, UnificationKey] = {
    "email": UnificationKey(
        name="email", valid_regexp=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", invalid_texts=("",)
    ),
    "phone": UnificationKey(name="phone", valid_regexp=r"^\+?[0-9]{7,15}$", invalid_texts=("",)),
    "td_client_id": UnificationKey(name="td_client_id", valid_regexp=_UUID, invalid_texts=("",)),
    "td_global_id": UnificationKey(name="td_global_id", valid_regexp=_UUID, invalid_texts=("",)),
}
"""Rules of discovered keys; any other key gets ``invalid_texts: ['']``."""
_PRIORITY = ("email", "phone")
_LAST = ("td_client_id", "td_global_id")


@dataclass(frozen=True)
class UnifiedTable:
    """A staged table that carries at least one key: its key columns and the discovery record."""

    database: str
    name: str
    key_columns: tuple[tuple[str, str], ...]
    discovery: tuple[DiscoveredColumn, ...] = ()
    columns: tuple[Column, ...] = ()
    """The staged table's live columns."""

    @property
    def prep_name(self) -> str:
        return f"{self.name}_prep"

    @property
    def enriched_name(self) -> str:
        return f"enriched_{self.name}"

    @property
    def qualified(self) -> str:
        return f"{quote(self.database)}.{quote(self.name)}"


@dataclass(frozen=True)
class UnificationModel:
    """The resolved phase: databases, id, keys in merge priority and the tables they come from."""

    settings: UnificationSettings
    client: str
    output_database: str
    prep_database: str
    endpoint: str
    keys: tuple[UnificationKey, ...]
    tables: tuple[UnifiedTable, ...]
    skipped: tuple[UnifiedTable, ...] = ()
    masters: tuple[MasterTableSettings, ...] = ()

    @property
    def project(self) -> str:
        return self.settings.project

    @property
    def id_name(self) -> str:
        return self.settings.name

    @property
    def kind(self) -> str:
        """``canonical_id`` or ``persistent_id``: the lookup column holding the id."""
        return self.settings.id_method

    @property
    def unify_name(self) -> str:
        return self.output_database.removeprefix(OUTPUT_PREFIX)

    def ns(self, key: str) -> int:
        """TD's key type number: the 1-based position in merge_by_keys (spec §3.1)."""
        return [k.name for k in self.keys].index(key) + 1

    @property
    def targets(self) -> tuple[str, ...]:
        """``database.table`` of every table the project creates (for the plan and the report)."""
        prep = [f"{self.prep_database}.{t.prep_name}" for t in self.tables]
        enriched = [f"{self.output_database}.{t.enriched_name}" for t in self.tables]
        outputs = [f"{self.output_database}.{self.id_name}_{s}" for s in ("lookup", "graph")]
        masters = [f"{self.output_database}.{m.name}" for m in self.masters]
        exclusions = f"{self.prep_database}.{self.id_name}_exclusions"
        return (*prep, *outputs, *enriched, *masters, exclusions)

    def prep_extras(self, table: UnifiedTable) -> tuple[str, ...]:
        """Columns of ``table`` its prep table carries beyond the keys and ``time``: what the
        master tables read, in the table's column order."""
        wanted = prep_columns(self.masters, table.name) - {c for c, _ in table.key_columns}
        return tuple(c.name for c in table.columns if c.name in wanted and c.name != "time")

    def blocked_patterns(self, key: str) -> tuple[str, ...]:
        """Junk-value patterns of ``key``: pipeline.yml's, else cdpo.unify's defaults per key type."""
        if key in self.settings.blocked_values:
            return self.settings.blocked_values[key]
        if not self.settings.default_blocked_values:
            return ()
        from cdpo.unify import blocked_patterns_for

        return blocked_patterns_for(key)

    def unify_yml(self) -> dict[str, Any]:
        """unify.yml (TD's p1_syntax) over the prep tables; ``incremental_columns: [time]``."""
        id_section = "persistent_ids" if self.kind == "persistent_id" else "canonical_ids"
        definition: dict[str, Any] = {
            "name": self.id_name,
            "merge_by_keys": [k.name for k in self.keys],
            "merge_iterations": self.settings.merge_iterations,
            "incremental_merge_iterations": self.settings.incremental_merge_iterations,
        }
        if self.settings.do_not_merge_key is not None:
            definition["do_not_merge_key"] = self.settings.do_not_merge_key
        document = {
            "name": self.unify_name,
            "keys": [_key_yml(k) for k in self.keys],
            "tables": [
                {
                    "database": self.prep_database,
                    "table": t.prep_name,
                    "as": t.name,
                    "incremental_columns": ["time"],
                    "key_columns": [{"column": c, "key": k} for c, k in t.key_columns],
                }
                for t in self.tables
            ],
            id_section: [definition],
        }
        if self.masters:
            document["master_tables"] = [
                master_yml(m, self.kind, self.id_name) for m in self.masters
            ]
        return document


def _key_yml(key: UnificationKey) -> dict[str, Any]:
    out: dict[str, Any] = {"name": key.name}
    if key.valid_regexp is not None:
        out["valid_regexp"] = key.valid_regexp
    out["invalid_texts"] = list(key.invalid_texts)
    return out


def unified_inputs(pipeline: Any) -> list[tuple[str, str]]:
    """(database, table) of the staged tables to unify, from pipeline.yml alone.

    Raises:
        ConfigError: ``unification.tables`` is empty and there is no staging section.
    """
    settings: UnificationSettings = pipeline.unification
    stg = pipeline.databases.stg
    if settings.tables:
        try:
            return [(db or stg, t) for db, t in map(split_table, settings.tables)]
        except ValueError as error:
            raise ConfigError(str(error), field="unification.tables") from None
    if getattr(pipeline, "staging", None) is not None:
        from cdpo.phases.staging import build_staging_model

        return [(t.database, t.name) for t in build_staging_model(pipeline).tables]
    raise ConfigError(
        "no table to unify: unification.tables is empty and pipeline.yml has no staging section",
        field="unification.tables",
        hint="List the staged tables: unification.tables: [northwind_stg.customers, ...]",
    )


def _output_database(pipeline: Any, settings: UnificationSettings) -> str:
    database = settings.target_database or pipeline.databases.unification
    if not database.startswith(OUTPUT_PREFIX) or database == OUTPUT_PREFIX:
        raise ConfigError(
            f"TD writes unification output to cdp_unification_<name>, not {database!r}",
            field="databases.unification",
            hint=f"Use cdp_unification_{pipeline.client}.",
        )
    return database


def _live_columns(target: Target, database: str, table: str) -> list[Column]:
    try:
        return target.columns(database, table)
    except NotFoundError:
        raise GenerateError(
            f"unification: the staged table {database}.{table} does not exist",
            hint="Run staging first, or fix unification.tables in pipeline.yml.",
        ) from None


def _apply_overrides(
    table: str, live: list[Column], found: list[DiscoveredColumn], overrides: Mapping[str, Any]
) -> tuple[tuple[str, str], ...]:
    """Discovered (column, key) pairs with pipeline.yml's ``key_columns.<table>`` applied."""
    names = [c.name for c in live]
    pairs = {d.column: d.key for d in found if d.key is not None}
    for column, key in overrides.items():
        if column not in names:
            raise ConfigError(
                f"table {table} has no column {column!r}; its columns: {', '.join(names)}."
                + did_you_mean(column, names),
                field=f"unification.key_columns.{table}.{column}",
            )
        if key is None:
            pairs.pop(column, None)
        else:
            _check_key_name(key, f"unification.key_columns.{table}.{column}")
            pairs[column] = key
    return tuple((c, pairs[c]) for c in names if c in pairs)


def _check_key_name(key: str, field: str) -> None:
    from cdpo.unify.names import check_identifier

    try:
        check_identifier(key)
    except ValueError as error:
        raise ConfigError(str(error), field=field) from None


def _discover(
    target: Target, settings: UnificationSettings, database: str, name: str
) -> UnifiedTable:
    live = _live_columns(target, database, name)
    if "time" not in {c.name for c in live}:
        raise GenerateError(f"unification: {database}.{name} has no 'time' column; TD requires one")
    if settings.name in {c.name for c in live}:
        raise ConfigError(
            f"{database}.{name} already has a column {settings.name!r}, the id column enriched "
            "tables add",
            field="unification.name",
            hint="Choose another unification name, e.g. customer_360.",
        )
    sample = sample_values(target, database, name, live, settings.sample_rows)
    found = discover_columns(live, sample, name)
    pairs = _apply_overrides(name, live, found, settings.key_columns.get(name, {}))
    return UnifiedTable(database, name, pairs, tuple(found), tuple(live))


def _ordered_keys(settings: UnificationSettings, used: Sequence[str]) -> tuple[UnificationKey, ...]:
    """pipeline.yml's keys in its order; else email, phone, other ids (sorted), TD's cookie ids."""
    if settings.keys:
        listed = [k.name for k in settings.keys]
        for key in used:
            if key not in listed:
                raise ConfigError(
                    f"key {key!r} is used by a key column but not listed in unification.keys "
                    f"({', '.join(listed)}).{did_you_mean(key, listed)}",
                    field="unification.keys",
                    hint="List it in unification.keys, or drop the column with key_columns.",
                )
        unused = [k for k in listed if k not in used]
        if unused:
            raise ConfigError(
                f"key {unused[0]!r} is listed in unification.keys but no column carries it",
                field="unification.keys",
                hint="Map a column to it with key_columns, or remove it (TD refuses unused keys).",
            )
        return settings.keys
    first = settings.do_not_merge_key
    if first is not None and first not in used:
        found = sorted(set(used))
        raise ConfigError(
            f"do_not_merge_key {first!r} is not a key of the staged tables; keys: "
            f"{', '.join(found)}.{did_you_mean(first, found)}",
            field="unification.do_not_merge_key",
            hint="Name one of those keys, or map a column to it with key_columns.",
        )
    # TD requires do_not_merge_key first in merge_by_keys (p6_do_not_merge).
    rank = {k: i for i, k in enumerate(_PRIORITY)} | {k: 100 + i for i, k in enumerate(_LAST)}
    ordered = sorted(set(used), key=lambda k: (k != first, rank.get(k, 50), k))
    return tuple(
        DEFAULT_KEY_RULES.get(k, UnificationKey(name=k, invalid_texts=("",))) for k in ordered
    )


def build_unification_model(pipeline: Any, target: Target) -> UnificationModel:
    """Resolve ``unification:`` against the staged tables' live schemas, and validate unify.yml.

    Raises:
        ConfigError: bad names, an override naming a missing column or table, a key not listed in
            ``unification.keys``, no key found at all, a ``do_not_merge_key`` that is not a key,
            a master table source that is not a unified table or column, or a unify.yml TD's
            validator rejects.
        GenerateError: a staged table is missing or has no ``time`` column.
    """
    settings: UnificationSettings = pipeline.unification
    inputs = unified_inputs(pipeline)
    unknown = sorted(set(settings.key_columns) - {t for _, t in inputs})
    if unknown:
        names = [t for _, t in inputs]
        raise ConfigError(
            f"key_columns for {unknown[0]!r}, which is not unified; tables: {', '.join(names)}."
            + did_you_mean(unknown[0], names),
            field=f"unification.key_columns.{unknown[0]}",
        )
    discovered = [_discover(target, settings, db, t) for db, t in inputs]
    tables = tuple(t for t in discovered if t.key_columns)
    if not tables:
        raise ConfigError(
            "no staged table has an identifier column (email, phone, td_client_id, customer_id…)",
            field="unification.key_columns",
            hint="Map columns to keys: unification.key_columns: {customers: {cust_ref: customer_id}}",
        )
    keys = _ordered_keys(settings, [k for t in tables for _, k in t.key_columns])
    masters = resolve_master_tables(
        settings.master_tables,
        settings.name,
        keys,
        {t.name: (t.key_columns, t.columns) for t in tables},
        [t.name for t in discovered if not t.key_columns],
    )
    model = UnificationModel(
        settings,
        pipeline.client,
        _output_database(pipeline, settings),
        settings.lookup_database or pipeline.databases.config,
        pipeline.td.hosts.cdp.rstrip("/") + "/unifications/workflow_call",
        keys,
        tables,
        tuple(t for t in discovered if not t.key_columns),
        masters,
    )
    _validate(model)
    return model


def _validate(model: UnificationModel) -> None:
    """Run cdpo.unify's validator (TD's schema and cross-checks) on the unify.yml to be written."""
    from cdpo.unify import load_unify_config

    try:
        load_unify_config(model.unify_yml())
    except ConfigError as error:
        raise ConfigError(
            f"the generated unify.yml is invalid: {error.problem}",
            field=f"unification ({error.field})" if error.field else "unification",
        ) from None
