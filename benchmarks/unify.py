"""Connected components at identity-graph scale: cdpo's fast path against its peers, same edges.

Builds one random graph (uniform random edges, as in reference/dependencies-measured.md §5), then
times, in one process: cdpo's partition (``cdpo.unify.label_components``: ids dictionary-encoded by
pyarrow, components with scipy, labels written back to DuckDB), scipy's ``connected_components`` on
the bare integer arrays, Splink's ``cluster_pairwise_predictions_at_threshold`` (DuckDB SQL;
``pip install -e '.[bench]'``) and networkx (skipped above 2M nodes), each ``--repeat`` times
(default 3; the fastest run counts, as timeit does). Every partition is reduced to
"smallest node of my component" per node and compared. The machine's load average and CPU seconds
are printed too: on a shared machine wall time depends on the neighbours.

    .venv/bin/python benchmarks/unify.py --nodes 2000000 --edges 3000000
    .venv/bin/python benchmarks/unify.py --nodes 200000 --edges 300000 --json

``--rows N`` times instead a whole ``unify()`` run (every output table) on N synthetic CDP rows
(email, phone, cookie; about three rows per person) with the fast engine and with TD's SQL loop,
and checks both give the same lookup.

``--demo SIZE`` times the whole unification of the demo data set: ``cdpo demo --size SIZE`` runs
once in ``--workdir`` (a temporary directory by default; an existing completed demo there is
reused), then ``unify()`` runs on the unification input it staged (the prep tables and the
``config/unify.yml`` the demo generated: lookup, graph, stats, enriched and master tables) with the
fast engine and with TD's SQL loop, one after the other on the same warehouse. Printed: seconds per
engine, every output table with its rows, and precision/recall of the merges against the data
set's truth file (each staged row gets its id through the project's own enrichment query).
``--statements N`` also prints, per engine, the N slowest SQL statements of the run.

    .venv/bin/python benchmarks/unify.py --demo medium --workdir /tmp/cdpo-medium --statements 15
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

NETWORKX_MAX_NODES = 2_000_000


def random_graph(nodes: int, edges: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``edges`` uniform random (src, dst) pairs over ``nodes`` integer ids."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, nodes, edges, dtype=np.int64), rng.integers(
        0, nodes, edges, dtype=np.int64
    )


def smallest_member(node_ids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Canonical form of a partition: per node (sorted by id), the smallest id of its component."""
    order = np.argsort(node_ids, kind="stable")
    node_ids, labels = node_ids[order], labels[order]
    _, inverse = np.unique(labels, return_inverse=True)
    smallest = np.full(inverse.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, inverse, node_ids)
    return smallest[inverse]


class Timer:
    """Times the one block a method marks as its partition step (loading and reading back are not)."""

    wall = cpu = 0.0

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


Partition = tuple[np.ndarray, np.ndarray]  # node ids and their component labels


def run_cdpo(src: np.ndarray, dst: np.ndarray, nodes: int, timer: Timer) -> Partition:
    from cdpo.unify import label_components

    con = duckdb.connect()
    con.register("_edges", {"a": src, "b": dst})
    con.execute("CREATE TABLE edges AS SELECT * FROM _edges")
    with timer:  # dictionary encoding in DuckDB, scipy, labels written back to DuckDB
        label_components(
            con, "SELECT a AS a_id, 1 AS a_ns, b AS b_id, 1 AS b_ns FROM edges", "labels"
        )
    out = con.execute("SELECT id, comp FROM labels").fetchnumpy()
    return out["id"], out["comp"]


def run_scipy(src: np.ndarray, dst: np.ndarray, nodes: int, timer: Timer) -> Partition:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    with timer:
        matrix = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(nodes, nodes))
        _, labels = connected_components(matrix.tocsr(), directed=False)
    present = np.unique(np.concatenate([src, dst]))
    return present, labels[present]


def run_splink(src: np.ndarray, dst: np.ndarray, nodes: int, timer: Timer) -> Partition:
    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    con = duckdb.connect()
    con.register("_edges", {"unique_id_l": src, "unique_id_r": dst})
    con.execute("CREATE TABLE edges AS SELECT * FROM _edges")
    con.execute(
        "CREATE TABLE nodes AS SELECT unique_id FROM "
        "(SELECT unique_id_l AS unique_id FROM edges UNION SELECT unique_id_r FROM edges)"
    )
    with timer:
        clusters = cluster_pairwise_predictions_at_threshold(
            con.table("nodes"), con.table("edges"), DuckDBAPI(con), node_id_column_name="unique_id"
        )
    out = clusters.as_duckdbpyrelation().select("unique_id, cluster_id").fetchnumpy()
    return out["unique_id"], np.unique(out["cluster_id"], return_inverse=True)[1]


def run_networkx(src: np.ndarray, dst: np.ndarray, nodes: int, timer: Timer) -> Partition:
    import networkx as nx

    pairs = list(zip(src.tolist(), dst.tolist(), strict=True))
    with timer:
        graph: nx.Graph = nx.Graph()
        graph.add_edges_from(pairs)
        components = list(nx.connected_components(graph))
    ids = np.fromiter((n for c in components for n in c), dtype=np.int64)
    labels = np.repeat(np.arange(len(components)), [len(c) for c in components])
    return ids, labels


METHODS: dict[str, Callable[[np.ndarray, np.ndarray, int, Timer], Partition]] = {
    "cdpo": run_cdpo,
    "scipy": run_scipy,
    "splink": run_splink,
    "networkx": run_networkx,
}


def _import_everything() -> None:
    """Import every library up front: import time is not what is measured."""
    import importlib

    for module in ("cdpo.unify", "scipy.sparse.csgraph", "networkx", "splink.clustering"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


def _best_of(
    method: Callable[[np.ndarray, np.ndarray, int, Timer], Partition],
    src: np.ndarray,
    dst: np.ndarray,
    args: argparse.Namespace,
) -> tuple[np.ndarray, float, float]:
    """The partition, and the fastest of ``--repeat`` runs (wall, its CPU): the first run of a
    method in a process pays for memory the later ones reuse, whichever method runs first."""
    best: tuple[float, float] | None = None
    for _ in range(args.repeat):
        timer = Timer()
        partition = smallest_member(*method(src, dst, args.nodes, timer))
        if best is None or timer.wall < best[0]:
            best = (timer.wall, timer.cpu)
    assert best is not None
    return partition, round(best[0], 3), round(best[1], 3)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    _import_everything()
    src, dst = random_graph(args.nodes, args.edges, args.seed)
    seconds: dict[str, float | None] = {}
    cpu: dict[str, float | None] = {}
    partitions = {}
    for name, method in METHODS.items():
        if name == "networkx" and args.nodes > NETWORKX_MAX_NODES:
            seconds[name] = cpu[name] = None
            continue
        try:
            partitions[name], seconds[name], cpu[name] = _best_of(method, src, dst, args)
        except ImportError as exc:
            print(f"{name}: skipped ({exc}); pip install -e '.[bench]'", file=sys.stderr)
            seconds[name] = cpu[name] = None
    reference = partitions["scipy"]
    same = all(np.array_equal(p, reference) for p in partitions.values())
    return {
        "nodes": args.nodes,
        "edges": args.edges,
        "repeat": args.repeat,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "same_partition": same,
        "components": len(np.unique(reference)),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


WHOLE_RUN_CONFIG = {
    "name": "bench",
    "keys": [{"name": "email"}, {"name": "phone"}, {"name": "td_client_id"}],
    "tables": [
        {
            "database": "src",
            "table": "events",
            "key_columns": [
                {"column": "td_client_id", "key": "td_client_id"},
                {"column": "email", "key": "email"},
                {"column": "phone", "key": "phone"},
            ],
        }
    ],
    "canonical_ids": [
        {
            "name": "person_id",
            "merge_by_keys": ["email", "phone", "td_client_id"],
            "merge_iterations": 30,
        }
    ],
}


def _cdp_rows(rows: int, seed: int) -> duckdb.DuckDBPyConnection:
    """A fresh database with ``src.events``: ``rows`` synthetic events, about three per person."""
    rng = np.random.default_rng(seed)
    person = rng.integers(0, max(rows // 3, 1), rows)
    cookie = person * 4 + rng.integers(0, 4, rows)  # a person uses up to four devices
    con = duckdb.connect()
    con.register(
        "_rows", {"time": np.arange(rows), "p": person, "c": cookie, "r": rng.random(rows)}
    )
    con.execute("CREATE SCHEMA src")
    con.execute(
        "CREATE TABLE src.events AS SELECT time, 'c' || c AS td_client_id, "
        "CASE WHEN r < 0.5 THEN 'user' || p || '@mail.com' END AS email, "
        "CASE WHEN r > 0.7 THEN '555' || lpad(p::VARCHAR, 7, '0') END AS phone FROM _rows"
    )
    return con


def whole_run(rows: int, seed: int) -> dict[str, Any]:
    """Time ``unify()`` with each engine on its own copy of the data; compare their lookups."""
    from cdpo.unify import Guards, unify

    _import_everything()
    seconds, cpu, lookups = {}, {}, {}
    for engine in ("fast", "sql"):
        con = _cdp_rows(rows, seed)
        timer = Timer()
        with timer:
            result = unify(WHOLE_RUN_CONFIG, con, engine=engine, guards=Guards(), run_time=0)
        seconds[engine], cpu[engine] = round(timer.wall, 3), round(timer.cpu, 3)
        lookups[engine] = con.execute(
            "SELECT hash(list(canonical_id || id ORDER BY id, canonical_id)) "
            "FROM cdp_unification_bench.person_id_lookup"
        ).fetchone()
        con.close()
    run = result.id("person_id")
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "profiles": run.profiles,
        "ids": run.ids,
        "loop_iterations": run.iterations,
        "same_lookup": lookups["fast"] == lookups["sql"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def prepare_demo(size: str, workdir: Path) -> tuple[Path, float]:
    """The root of a completed demo of ``size`` in ``workdir`` and the seconds it took (0: reused).

    Raises:
        RuntimeError: the demo did not complete.
    """
    from cdpo.orchestrator import run_demo

    if (workdir / "unification" / "config" / "unify.yml").is_file():
        return workdir, 0.0
    started = time.perf_counter()
    demo = run_demo(workdir, size=size)
    if demo.result.failed or demo.result.error is not None:
        raise RuntimeError(f"the demo did not complete: {demo.result.error}; see {demo.report}")
    return workdir, round(time.perf_counter() - started, 1)


def _output_rows(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY table_name",
        [schema],
    ).fetchall()
    counts = {}
    for (name,) in names:
        row = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


def score_demo(con: duckdb.DuckDBPyConnection, root: Path, id_name: str) -> dict[str, float | int]:
    """Precision/recall of the lookup now in ``con`` against the demo's truth: each staged row gets
    its id through the project's enrichment query (queries/enrich/*.sql, translated to DuckDB)."""
    import yaml

    from cdpo.samples import (
        TRUTH_PATH,
        Dataset,
        identity_quality,
        lookup_from_rows,
        read_truth,
        truth_table,
    )  # fmt: skip
    from cdpo.sql import quote_identifier, translate

    project = root / "unification"
    truth = read_truth(root / "data" / TRUTH_PATH)
    known = {table for table, _ in truth}
    record_ids = {e.table: e.record_id for e in Dataset.load(root / "data").extracts}
    enrich = yaml.safe_load((project / "config" / "stage_enrich.yml").read_text())
    rows, scored = [], set()
    for entry in enrich["tables"]:
        table, column = entry["table"], record_ids.get(entry["table"])
        if column is None or truth_table(table) not in known:
            continue
        (sql,) = translate((project / "queries" / "enrich" / f"{table}.sql").read_text())
        picked = f"SELECT {quote_identifier(column)}, {quote_identifier(id_name)} FROM ({sql})"
        rows += [(table, record, profile) for record, profile in con.execute(picked).fetchall()]
        scored.add(truth_table(table))
    quality = identity_quality(
        {k: p for k, p in truth.items() if k[0] in scored}, lookup_from_rows(rows, known)
    )
    return {
        "precision": round(quality.precision, 4), "recall": round(quality.recall, 4),
        "f1": round(quality.f1, 4), "records": quality.records, "people": quality.people,
    }  # fmt: skip


class TimedConnection:
    """A DuckDB connection that times every ``execute``: where a ``unify()`` run spends its time."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.timings = con, []

    def execute(self, sql: str, *args: Any) -> duckdb.DuckDBPyConnection:
        started = time.perf_counter()
        result = self.con.execute(sql, *args)
        self.timings.append((time.perf_counter() - started, " ".join(sql.split())))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)

    def slowest(self, n: int) -> list[tuple[float, str]]:
        return [(round(s, 3), sql[:110]) for s, sql in sorted(self.timings, reverse=True)[:n]]


def demo_run(size: str, workdir: Path, statements: int = 0) -> dict[str, Any]:
    """Time ``unify()`` per engine on the demo's staged unification input; score each result.

    With ``statements``, the run's slowest SQL statements per engine are listed too.
    """
    from cdpo.config import load_pipeline
    from cdpo.targets.local.warehouse import storage
    from cdpo.unify import Guards, load_unify_config, unify

    root, prepared = prepare_demo(size, workdir)
    pipeline = load_pipeline(root / "pipeline.yml")
    config = load_unify_config(root / "unification" / "config" / "unify.yml")
    id_name = pipeline.unification.name
    masters = bool(config.master_tables)  # the generated call asks TD for them exactly then
    _import_everything()
    # Opened as the local target opens it (its row groups): a plain connect writes the file
    # with DuckDB's default row groups, and its checkpoints then cost seconds more.
    con = storage.connect(root / pipeline.local.warehouse)
    for table in config.tables:  # warm the file cache, so the first engine pays no cold reads
        con.execute(f'SELECT * FROM "{table.database}"."{table.table}"').fetchall()
    seconds, cpu, tables, quality, lookups, runs, slowest = {}, {}, {}, {}, {}, {}, {}
    for engine in ("fast", "sql"):
        timed = TimedConnection(con)
        timer = Timer()
        with timer:
            result = unify(
                config, timed if statements else con, engine=engine, guards=Guards(),  # type: ignore[arg-type]
                run_enrichments=masters, run_master_tables=masters,
            )  # fmt: skip
        slowest[engine] = timed.slowest(statements)
        seconds[engine], cpu[engine] = round(timer.wall, 3), round(timer.cpu, 3)
        runs[engine] = result.id(id_name)
        tables[engine] = _output_rows(con, config.schema_name)
        lookups[engine] = con.execute(
            f"SELECT hash(list({runs[engine].kind} || id || id_key_type ORDER BY id, id_key_type, "
            f'{runs[engine].kind})) FROM "{config.schema_name}"."{id_name}_lookup"'
        ).fetchone()
        quality[engine] = score_demo(con, root, id_name)
    con.close()
    source_rows = runs["fast"].source_rows
    return {
        "demo": size, "workdir": str(root), "demo_seconds": prepared,
        "source_rows": source_rows, "ids": runs["fast"].ids, "profiles": runs["fast"].profiles,
        "loop_iterations": runs["sql"].iterations, "seconds": seconds, "cpu_seconds": cpu,
        "tables": tables, "same_lookup": lookups["fast"] == lookups["sql"], "quality": quality,
        "slowest_statements": slowest, "load_average": [round(x, 2) for x in os.getloadavg()],
    }  # fmt: skip


def print_demo(outcome: dict[str, Any]) -> None:
    """A readable account of ``demo_run``."""
    print(
        f"demo {outcome['demo']} in {outcome['workdir']} "
        f"(prepared in {outcome['demo_seconds']} s): "
        f"{outcome['source_rows']:,} unification input rows, {outcome['ids']:,} ids, "
        f"{outcome['profiles']:,} profiles; load average {outcome['load_average']}"
    )
    print(f"{'engine':<8}{'wall s':>10}{'cpu s':>10}{'precision':>11}{'recall':>9}{'f1':>8}")
    for engine, wall in outcome["seconds"].items():
        q = outcome["quality"][engine]
        print(
            f"{engine:<8}{wall:>10.2f}{outcome['cpu_seconds'][engine]:>10.2f}"
            f"{q['precision']:>11.4f}{q['recall']:>9.4f}{q['f1']:>8.4f}"
        )
    print(f"SQL loop iterations: {outcome['loop_iterations']}")
    tables = outcome["tables"]
    print(f"{'output table (rows after each run; stats tables append)':<58}{'fast':>10}{'sql':>10}")
    for table, rows in tables["fast"].items():
        print(f"{table:<58}{rows:>10,}{tables['sql'].get(table, 0):>10,}")
    print(f"same lookup: {outcome['same_lookup']}")
    for engine, slowest in outcome["slowest_statements"].items():
        if slowest:
            print(f"slowest statements ({engine}):")
            for seconds, sql in slowest:
                print(f"{seconds:>8.3f}  {sql}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; the fastest counts")
    parser.add_argument("--rows", type=int, help="time a whole unify() run on this many rows")
    parser.add_argument("--demo", choices=("small", "medium", "large"), help="time unify() on it")
    parser.add_argument("--workdir", type=Path, help="where --demo runs (reused when complete)")
    parser.add_argument("--statements", type=int, default=0, help="--demo: list the N slowest")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.demo:
        with contextlib.ExitStack() as stack:
            workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
            outcome = demo_run(args.demo, workdir.resolve(), args.statements)
        print(json.dumps(outcome)) if args.json else print_demo(outcome)
        return 0 if outcome["same_lookup"] else 1
    if args.rows:
        outcome = whole_run(args.rows, args.seed)
        print(
            json.dumps(outcome) if args.json else "\n".join(f"{k}: {v}" for k, v in outcome.items())
        )
        return 0 if outcome["same_lookup"] else 1
    result = measure(args)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{args.nodes:,} nodes, {args.edges:,} edges, {result['components']:,} components "
            f"(among nodes with an edge); load average {result['load_average']}"
        )
        print(f"{'method':<10}{'wall s':>10}{'cpu s':>10}")
        for name, wall in result["seconds"].items():
            shown = "skipped" if wall is None else f"{wall:.2f}"
            used = result["cpu_seconds"][name]
            print(f"{name:<10}{shown:>10}{'' if used is None else f'{used:.2f}':>10}")
        print(f"same partition: {result['same_partition']}")
    return 0 if result["same_partition"] else 1


if __name__ == "__main__":
    sys.exit(main())
