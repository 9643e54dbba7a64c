"""``unify()``: one run of ID unification on a DuckDB connection, every output swapped in at once.

Per id definition: extract loop_0 (new rows merged into the previous graph when incremental), find
the converged graph with the fast path (scipy components) or the reference SQL loop, give every
leader its canonical or persistent id, and stage TD's tables in ``cdp_unification_{name}``. Then
enriched tables, master tables and metadata; then one transaction swaps them all in. Between
extraction and the staged tables, values travel as integer codes (``cdpo.unify.coding``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from cdpo.errors import ConfigError
from cdpo.unify.canonical import Masks
from cdpo.unify.coding import CodedGraph, decode_edges_sql, loop_0_sql
from cdpo.unify.config import IdDefinition, UnifyConfig, load_unify_config
from cdpo.unify.extract import Extraction, extract_graph
from cdpo.unify.fast import fast_leaders
from cdpo.unify.guards import ComponentAlarm, Guards
from cdpo.unify.incremental import WATERMARKS, delta_filters, previous_graph, watermarks_sql
from cdpo.unify.loop import run_loop
from cdpo.unify.names import literal, qualified, quote
from cdpo.unify.outputs import (
    graph_sql,
    keys_sql,
    lookup_sql,
    result_key_stats_sql,
    source_key_stats_sql,
    tables_sql,
)
from cdpo.unify.persistent import canonical_map_sql, persistent_map_sql
from cdpo.unify.publish import stage_enriched, stage_masters, stage_metadata
from cdpo.unify.result import IdResult, UnifyResult, parse_histogram
from cdpo.unify.swap import Staging, table_exists

__all__ = ["ENGINES", "unify"]

ENGINES = ("fast", "sql")
MAX_LISTED_EXCLUSIONS = 1000  # the result lists this many; {id}_excluded_values has them all
_TEMP_PREFIX = "_cdpo_u_"


def unify(
    config: UnifyConfig | Mapping[str, Any] | str | Path,
    con: duckdb.DuckDBPyConnection,
    *,
    engine: str = "fast",
    full_refresh: bool = True,
    guards: Guards | None = None,
    run_canonical_ids: bool = True,
    run_persistent_ids: bool = True,
    run_enrichments: bool = True,
    run_master_tables: bool = True,
    keep_debug_tables: bool = False,
    run_time: int | None = None,
    key_masks: Mapping[str, str] | None = None,
) -> UnifyResult:
    """Run ID unification for ``config`` on ``con`` and swap its outputs into place.

    Args:
        config: a validated ``UnifyConfig``, a parsed unify.yml mapping or a path to one.
        con: an open DuckDB connection; TD databases are schemas.
        engine: ``"fast"`` (scipy components) or ``"sql"`` (TD's loop). An id with
            ``do_not_merge_key`` always runs the loop: its result is not a partition.
        full_refresh: ``False`` merges rows newer than the last run into the previous graph.
        guards: over-merge guards; ``None`` uses ``Guards()``, ``Guards.off()`` is TD exactly.
        run_time: epoch seconds stamped on stats and graph rows (default: now).
        key_masks: key name → 18 hex digits, the id mask a TD unification used for that key
            (``canonical.mask_from_td_id``), to reproduce its ids; other keys use the defaults.

    Raises:
        ConfigError: invalid unify.yml, unknown engine, or a column missing from a source table.
        NotFoundError: a source table does not exist.
        WorkflowError: the SQL loop did not converge within its cap.
    """
    cfg = config if isinstance(config, UnifyConfig) else load_unify_config(config)
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}", field="engine")
    guards = guards if guards is not None else Guards()
    masks = _parse_masks(cfg, key_masks or {})
    run_time = int(time.time()) if run_time is None else int(run_time)
    selected = [(d, p) for d, p in cfg.ids() if (run_persistent_ids if p else run_canonical_ids)]
    if not selected:
        asked = "persistent" if run_persistent_ids and not run_canonical_ids else "selected"
        raise ConfigError(f"unify.yml defines no {asked} ids to run", field="canonical_ids")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(cfg.schema_name)}")
    staging = Staging(con, cfg.schema_name)
    filters = None if full_refresh else delta_filters(con, cfg)
    try:
        results = [
            _run_id(
                con, cfg, d, p, staging, engine, guards, filters, run_time, keep_debug_tables, masks
            )
            for d, p in selected
        ]
        incremental = all(r.mode == "incremental" for r in results)
        enriched = stage_enriched(
            con, cfg, staging, selected, filters if incremental else None, run_enrichments
        )
        if run_master_tables:
            stage_masters(con, cfg, staging, selected, enriched)
        stage_metadata(cfg, staging, guards)
        staging.stage(WATERMARKS, watermarks_sql(con, cfg, filters if incremental else None))
        tables = staging.commit()
    except BaseException:
        staging.abort()
        raise
    finally:
        _drop_temp_tables(con)
    return UnifyResult(cfg.schema_name, tuple(results), tuple(tables), tuple(cfg.warnings))


def _run_id(
    con: duckdb.DuckDBPyConnection,
    cfg: UnifyConfig,
    definition: IdDefinition,
    persistent: bool,
    staging: Staging,
    engine: str,
    guards: Guards,
    filters: dict[str, str] | None,
    run_time: int,
    keep_debug: bool,
    key_masks: Mapping[str, bytes],
) -> IdResult:
    """Unify one id: loop_0, convergence, then its tables staged and its numbers measured."""
    name, prefix = definition.name, f"{_TEMP_PREFIX}{definition.name}"
    keys = definition.merge_by_keys
    masks = {keys.index(k) + 1: m for k, m in key_masks.items() if k in keys}
    previous = previous_graph(con, cfg.schema_name, name) if filters is not None else None
    extraction = extract_graph(
        con,
        cfg,
        definition,
        guards,
        processed_at=run_time,
        prefix=prefix,
        delta=filters if previous else None,
        known_hubs=_known_hubs(con, cfg.schema_name, definition) if previous else (),
        previous=previous,
    )
    graph = extraction.graph
    used, final, iterations, changes = _converge(
        con, definition, graph.edges, prefix, engine, previous is not None, keep_debug
    )
    if keep_debug:
        _stage_debug(staging, name, graph, prefix, iterations)
    kind = "persistent_id" if persistent else "canonical_id"
    lookup, result_stats = _stage_id_tables(
        con, cfg, definition, kind, staging, final, graph, run_time, masks
    )
    staging.stage(
        f"{name}_excluded_values",
        f"SELECT *, {run_time}::BIGINT AS time FROM {extraction.excluded_table}",
    )
    result = _measure(
        con, definition, kind, lookup, result_stats, extraction, guards,
        engine=used, mode="incremental" if previous else "full",
        iterations=iterations, changes=changes,
    )  # fmt: skip
    staging.stage(f"{name}_unify_runs", _runs_sql(result, run_time), append=True)
    return result


def _stage_id_tables(
    con: duckdb.DuckDBPyConnection,
    cfg: UnifyConfig,
    definition: IdDefinition,
    kind: str,
    staging: Staging,
    final: str,
    coded: CodedGraph,
    run_time: int,
    masks: Masks,
) -> tuple[str, str]:
    """Stage graph, lookup, keys, tables and stats of one id; returns (lookup, result stats).

    ``final`` is the converged coded star (follower → leader), ``coded`` the run's loop_0.
    """
    name, keys = definition.name, definition.merge_by_keys
    graph_select = graph_sql(final, coded.followers, coded.nodes)
    graph = staging.stage(f"{name}_graph", graph_select)
    id_map = f"{_TEMP_PREFIX}{name}_idmap"
    if kind == "persistent_id":
        old = f"{name}_lookup"
        exists = table_exists(con, cfg.schema_name, old)
        previous_lookup = qualified(cfg.schema_name, old) if exists else None
        map_sql = persistent_map_sql(graph, previous_lookup, len(keys), run_time, masks)
    else:
        map_sql = canonical_map_sql(graph, len(keys), masks)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {id_map} AS {map_sql}")
    lookup = staging.stage(f"{name}_lookup", lookup_sql(graph, id_map, kind))
    staging.stage(f"{name}_keys", keys_sql(keys))
    tables = staging.stage(
        f"{name}_tables", tables_sql([(i, t.alias) for i, t in cfg.id_tables(definition)])
    )
    # TD computes source_key_stats on full refreshes only (p7_incremental)
    if coded.previous is None:
        stats_sql = source_key_stats_sql(coded.edges, coded.followers, tables, keys, run_time)
        staging.stage(f"{name}_source_key_stats", stats_sql, append=True)
    result_stats = result_key_stats_sql(final, coded.followers, tables, keys, run_time)
    return lookup, staging.stage(f"{name}_result_key_stats", result_stats, append=True)


def _parse_masks(cfg: UnifyConfig, key_masks: Mapping[str, str]) -> dict[str, bytes]:
    """Validate ``key_masks`` (key name → 18 hex digits) into bytes."""
    out = {}
    for key, text in key_masks.items():
        if key not in {k.name for k in cfg.keys}:
            raise ConfigError(f"unknown key {key!r}", field=f"key_masks.{key}")
        try:
            mask = bytes.fromhex(str(text))
        except ValueError:
            mask = b""
        if len(mask) != 9:
            raise ConfigError(f"{text!r} is not 18 hex digits (9 bytes)", field=f"key_masks.{key}")
        out[key] = mask
    return out


def _converge(
    con: duckdb.DuckDBPyConnection,
    definition: IdDefinition,
    edges: str,
    prefix: str,
    engine: str,
    incremental: bool,
    keep_debug: bool,
) -> tuple[str, str, int, tuple[int, ...]]:
    """(engine used, final edge table, iterations, changes per iteration), all on coded ``edges``.

    Codes follow ``(ns, id)`` order, so both engines choose the leaders they would on text.
    """
    if engine == "fast" and definition.do_not_merge_key is None:
        fast_leaders(con, edges, f"{prefix}_final")
        return "fast", f"{prefix}_final", 0, ()
    cap = definition.incremental_merge_iterations if incremental else definition.merge_iterations
    outcome = run_loop(
        con,
        edges,
        prefix,
        cap,
        do_not_merge_ns=1 if definition.do_not_merge_key else None,
        task=f"+{definition.name}+unify_loop",
        keep=keep_debug,
    )
    return "sql", outcome.table, outcome.iterations, tuple(outcome.changes)


def _stage_debug(
    staging: Staging, name: str, coded: CodedGraph, prefix: str, iterations: int
) -> None:
    """TD's ``{id}_graph_unify_loop_N`` tables, kept with ``keep_debug_tables``, ids as text."""
    staging.stage(f"{name}_graph_unify_loop_0", loop_0_sql(coded))
    for i in range(1, iterations + 1):
        loop = decode_edges_sql(f"{prefix}_loop_{i}", coded.nodes)
        staging.stage(f"{name}_graph_unify_loop_{i}", loop)


def _known_hubs(
    con: duckdb.DuckDBPyConnection, schema: str, definition: IdDefinition
) -> list[tuple[int, str]]:
    """Hub values a previous run excluded: they stay excluded in an incremental run."""
    table = f"{definition.name}_excluded_values"
    if not table_exists(con, schema, table):
        return []
    rows = con.execute(
        f"SELECT key_name, value FROM {qualified(schema, table)} WHERE reason = 'hub'"
    ).fetchall()
    keys = definition.merge_by_keys
    return [(keys.index(k) + 1, v) for k, v in rows if k in keys]


def _measure(
    con: duckdb.DuckDBPyConnection,
    definition: IdDefinition,
    kind: str,
    lookup: str,
    result_stats: str,
    extraction: Extraction,
    guards: Guards,
    **run: Any,
) -> IdResult:
    """Numbers for the report: ids, profiles, largest profile, histograms, alarms."""
    ids, profiles, largest = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT DISTINCT id, id_key_type FROM {lookup})), "
        f"(SELECT count(DISTINCT {kind}) FROM {lookup}), "
        f"(SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM {lookup} GROUP BY {kind}))"
    ).fetchone()  # type: ignore[misc]
    keys = definition.merge_by_keys
    columns = ", ".join(quote(f"histogram_{k}") for k in keys)
    row = con.execute(f"SELECT {columns} FROM {result_stats} WHERE from_table = '*'").fetchone()
    histograms = {k: parse_histogram(h) for k, h in zip(keys, row or [], strict=False)}
    alarms: list[ComponentAlarm] = []
    if guards.component_alarm is not None:
        per_key = ", ".join(
            f"count(*) FILTER (WHERE id_key_type = {ns})" for ns in range(1, len(keys) + 1)
        )
        for profile, size, *counts in con.execute(
            f"SELECT {kind}, count(*) AS n, {per_key} FROM {lookup} GROUP BY {kind} "
            f"HAVING count(*) > {int(guards.component_alarm)} ORDER BY n DESC, {kind} LIMIT 100"
        ).fetchall():
            alarms.append(ComponentAlarm(profile, size, dict(zip(keys, counts, strict=True))))
    return IdResult(
        name=definition.name,
        kind=kind,
        source_rows=extraction.rows,
        ids=ids,
        profiles=profiles,
        largest_profile=largest,
        histograms=histograms,
        excluded=tuple(extraction.excluded[:MAX_LISTED_EXCLUSIONS]),
        excluded_count=len(extraction.excluded),
        alarms=tuple(alarms),
        **run,
    )


def _runs_sql(result: IdResult, run_time: int) -> str:
    """One appended row of ``{id}_unify_runs``: how this run went (feeds the report)."""
    changes = ",".join(str(c) for c in result.changes)
    return (
        f"SELECT {run_time}::BIGINT AS time, {literal(result.engine)} AS engine, "
        f"{literal(result.mode)} AS mode, {result.source_rows}::BIGINT AS source_rows, "
        f"{result.ids}::BIGINT AS ids, {result.profiles}::BIGINT AS profiles, "
        f"{result.largest_profile}::BIGINT AS largest_profile, {result.iterations} AS iterations, "
        f"{literal(changes)} AS changes_per_iteration, {result.excluded_count}::BIGINT AS excluded_values"
    )


def _drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, ?)",
        [_TEMP_PREFIX],
    ).fetchall()
    for (table,) in rows:
        con.execute(f"DROP TABLE IF EXISTS temp.{quote(table)}")
