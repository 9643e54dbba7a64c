"""Stage the tables a run publishes beyond each id's own: enriched, master and metadata tables.

Metadata (spec §3.7, 30–32): ``unification_metadata`` (one row per id), ``filter_lookup`` (the
rules extraction *actually applied*, cdpo's blocked patterns included, not the port's invented
defaults) and ``column_lookup`` (every key column). They live in the unification's own schema, so
two unifications never collide.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from cdpo.errors import ConfigError, NotFoundError
from cdpo.unify.config import IdDefinition, SourceColumn, UnifyConfig
from cdpo.unify.enrich import IdColumn, enriched_sql
from cdpo.unify.extract import table_columns
from cdpo.unify.guards import Guards
from cdpo.unify.masters import attribute_type_sql, master_sql
from cdpo.unify.names import literal, qualified
from cdpo.unify.swap import Staging, table_exists

__all__ = ["stage_enriched", "stage_masters", "stage_metadata"]


def _kind(persistent: bool) -> str:
    return "persistent_id" if persistent else "canonical_id"


def stage_enriched(
    con: duckdb.DuckDBPyConnection,
    cfg: UnifyConfig,
    staging: Staging,
    selected: Sequence[tuple[IdDefinition, bool]],
    filters: dict[str, str] | None,
    enabled: bool,
) -> dict[str, str]:
    """Stage ``enriched_{alias}`` for every table feeding a run id; returns alias → table to read.

    With ``filters`` (an incremental run) only a table's new rows are enriched and appended to its
    previous enriched rows. When ``enabled`` is false nothing is staged and the existing enriched
    tables are returned.
    """
    out: dict[str, str] = {}
    for table in cfg.tables:
        ids = [
            IdColumn(
                d.name,
                staging.tmp(f"{d.name}_lookup"),
                _kind(p),
                tuple(d.merge_by_keys),
                unique=d.do_not_merge_key is None,
            )
            for d, p in selected
            if table.alias in {t.alias for _, t in cfg.id_tables(d)}
        ]
        name = f"enriched_{table.alias}"
        if not ids or not enabled:
            if table_exists(con, cfg.schema_name, name):
                out[table.alias] = qualified(cfg.schema_name, name)
            continue
        columns = table_columns(con, table.database, table.table)
        source = qualified(table.database, table.table)
        where = (filters or {}).get(table.alias)
        if where and table_exists(con, cfg.schema_name, name):
            delta = enriched_sql(source, table, ids, list(columns), where)
            sql = f"SELECT * FROM {qualified(cfg.schema_name, name)} UNION ALL BY NAME ({delta})"
        else:
            sql = enriched_sql(source, table, ids, list(columns))
        out[table.alias] = staging.stage(name, sql)
    return out


def stage_masters(
    con: duckdb.DuckDBPyConnection,
    cfg: UnifyConfig,
    staging: Staging,
    selected: Sequence[tuple[IdDefinition, bool]],
    enriched: dict[str, str],
) -> None:
    """Stage every master table whose id ran, reading the (staged) enriched tables."""
    run = {d.name: p for d, p in selected}
    for mi, master in enumerate(cfg.master_tables):
        if master.id_name not in run:
            continue
        for ai, attr in enumerate(master.attributes):
            for si, source in enumerate(attr.source_columns):
                field = f"master_tables[{mi}].attributes[{ai}].source_columns[{si}]"
                _check_source(con, enriched, master.id_name, attr.name, source, field)
        types = {
            attr.name: con.execute(f"DESCRIBE {attribute_type_sql(attr, enriched)}").fetchall()[0][
                1
            ]
            for attr in master.attributes
            if attr.array_elements is None
        }
        lookup = staging.tmp(f"{master.id_name}_lookup")
        kind = _kind(run[master.id_name])
        staging.stage(master.name, master_sql(master, lookup, kind, enriched, types))


def _check_source(
    con: duckdb.DuckDBPyConnection,
    enriched: dict[str, str],
    id_name: str,
    attribute: str,
    source: SourceColumn,
    field: str,
) -> None:
    """A master source must be an enriched table carrying the id, the column and order_by."""
    if source.table not in enriched:
        raise NotFoundError(
            f"{field}: no enriched table for {source.table!r}; it must feed {id_name!r} "
            "(check source_tables) and enrichment must run"
        )
    table = enriched[source.table]
    columns = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for column in (id_name, source.column or attribute, source.order_by):
        if column not in columns:
            raise ConfigError(
                f"column {column!r} is not in {table} (columns: {', '.join(sorted(columns))})",
                field=field,
            )


def _values(rows: Sequence[str], columns: str) -> str:
    return f"SELECT * FROM (VALUES {', '.join(rows)}) t({columns})"


def _list(values: Sequence[str | None] | None) -> str:
    if values is None:
        return "NULL::VARCHAR[]"
    return "[" + ", ".join(literal(v) for v in values) + "]::VARCHAR[]"


def stage_metadata(cfg: UnifyConfig, staging: Staging, guards: Guards) -> None:
    """Stage ``unification_metadata``, ``filter_lookup`` and ``column_lookup``."""
    ids = [f"({literal(d.name)}, {literal(_kind(p))})" for d, p in cfg.ids()]
    staging.stage(
        "unification_metadata",
        _values(ids, "canonical_id_name, canonical_id_type"),
    )
    filters = [
        f"({literal(k.name)}, {_list(k.invalid_texts or None)}, {literal(k.valid_regexp)}, "
        f"{_list(list(guards.patterns(k.name)))})"
        for k in cfg.keys
    ]
    staging.stage(
        "filter_lookup",
        _values(filters, "key_name, invalid_texts, valid_regexp, blocked_patterns"),
    )
    columns = [
        f"({literal(t.database)}, {literal(t.table)}, {literal(kc.column)}, {literal(kc.key)})"
        for t in cfg.tables
        for kc in t.key_columns
    ]
    staging.stage(
        "column_lookup",
        _values(columns, "database_name, table_name, column_name, key_name"),
    )
