"""How fast ``generate_dataset`` writes the demo data set, per size.

Prints, per size: people, rows written (historical + incremental), truth records, bytes on disk,
wall seconds, CPU seconds (all threads, DuckDB's included) and rows per wall second. The machine's
load average is printed too: on a shared machine, wall time says more about the neighbours than
about the generator, and CPU time is the fairer number.

``--baseline`` also resolves identities the naive way (connected components over the identifier
values as written) and a cleaned way (trim/lower emails, last nine phone digits, null tokens and
junk dropped), and prints ``identity_quality`` of both: how much the dirt costs a resolver.

    .venv/bin/python benchmarks/samples.py --size medium
    .venv/bin/python benchmarks/samples.py --size small --size medium --baseline --json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cdpo.samples import (
    SIZES,
    Dataset,
    generate_dataset,
    identity_quality,
    read_truth,
    record_key,
)
from cdpo.samples.dirt import JUNK_EMAILS, JUNK_PHONES, NULL_TOKENS

_READERS = {
    "jsonl": "read_json('{path}', format = 'newline_delimited', columns = {columns})",
    "csv": "read_csv('{path}', header = true, all_varchar = true, allow_quoted_nulls = false)",
    "parquet": "read_parquet('{path}')",
}
_CLEAN = {
    "email": "CASE WHEN regexp_full_match(lower(trim(v)), '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{{2,}}') "
    "AND lower(trim(v)) NOT IN ({junk_emails}) THEN lower(trim(v)) END",
    "phone": "CASE WHEN v NOT IN ({junk_phones}) AND length(regexp_replace(v, '\\D', '', 'g')) >= 9 "
    "THEN right(regexp_replace(v, '\\D', '', 'g'), 9) END",
}


def measure(size: str, people: int | None, seed: int, root: Path) -> dict[str, object]:
    """Generate one data set under ``root`` and return its measurements."""
    out = root / size
    wall, cpu = time.perf_counter(), time.process_time()
    dataset = generate_dataset(out, size=size, people=people, seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = sum(e.hist_rows + e.inc_rows for e in dataset.extracts)
    size_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "size": size,
        "people": dataset.people,
        "rows": rows,
        "truth_records": dataset.truth_rows,
        "megabytes": round(size_bytes / 1e6, 1),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(rows / wall),
    }


def identifier_rows_sql(dataset: Dataset) -> str:
    """(record, kind, value) for every identifier value written, over all files."""
    parts = []
    for e in dataset.extracts:
        columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in e.columns) + "}"
        for path in (e.hist_path, e.inc_path):
            source = _READERS[e.format].format(path=dataset.path(path), columns=columns)
            for column, kind in e.identifiers.items():
                parts.append(
                    f"SELECT '{e.table}' AS t, CAST(\"{e.record_id}\" AS VARCHAR) AS r, "
                    f"'{kind}' AS k, CAST(\"{column}\" AS VARCHAR) AS v FROM {source}"
                )
    return " UNION ALL ".join(parts)


def _quote(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v + "'" for v in values)


def _value_sql(cleaned: bool) -> str:
    """The identifier value a resolver links on: as written, or cleaned per kind."""
    if not cleaned:
        return "v"
    junk = {"junk_emails": _quote(JUNK_EMAILS), "junk_phones": _quote(JUNK_PHONES)}
    cases = " ".join(f"WHEN '{k}' THEN {sql.format(**junk)}" for k, sql in _CLEAN.items())
    return f"CASE k {cases} ELSE CASE WHEN v NOT IN ({_quote(NULL_TOKENS)}) THEN v END END"


_EDGES_SQL = """
WITH rec AS (SELECT t, r, row_number() OVER (ORDER BY t, r) - 1 AS i
             FROM (SELECT DISTINCT t, r FROM ids)),
     val AS (SELECT k, v, row_number() OVER (ORDER BY k, v) - 1 AS j
             FROM (SELECT DISTINCT k, v FROM ids WHERE v IS NOT NULL))
SELECT rec.i, val.j FROM ids JOIN rec USING (t, r) JOIN val USING (k, v)
"""


def resolve(dataset: Dataset, cleaned: bool) -> dict[tuple[str, str], int]:
    """Connected components of the record–identifier graph: record → component."""
    with duckdb.connect() as con:
        rows_sql = identifier_rows_sql(dataset)
        con.execute(
            f"CREATE TABLE ids AS SELECT t, r, k, {_value_sql(cleaned)} AS v FROM ({rows_sql})"
        )
        records = con.execute("SELECT DISTINCT t, r FROM ids ORDER BY t, r").fetchall()
        edges = con.execute(_EDGES_SQL).fetchnumpy()
    n = len(records)
    m = int(edges["j"].max()) + 1 if len(edges["j"]) else 0
    ones = np.ones(len(edges["i"]))
    graph = coo_matrix((ones, (edges["i"], edges["j"] + n)), shape=(n + m, n + m))
    _, label = connected_components(graph, directed=False)
    return {(t, record_key(r)): int(label[i]) for i, (t, r) in enumerate(records)}


def baseline(dataset: Dataset) -> list[dict[str, object]]:
    """identity_quality of the naive and the cleaned resolver."""
    truth = read_truth(dataset.path(dataset.truth_path))
    out = []
    for cleaned in (False, True):
        q = identity_quality(truth, resolve(dataset, cleaned))
        out.append(
            {
                "size": dataset.size,
                "resolver": "cleaned" if cleaned else "naive",
                "precision": round(q.precision, 4),
                "recall": round(q.recall, 4),
                "f1": round(q.f1, 4),
                "over_merged": q.over_merged_clusters,
                "split_people": q.split_people,
                "largest_cluster": q.largest_cluster,
                "largest_people": q.largest_cluster_people,
            }
        )
    return out


def print_table(rows: list[dict[str, object]]) -> None:
    header = list(rows[0])
    print("  ".join(f"{h:>15}" for h in header))
    for row in rows:
        print("  ".join(f"{row[h]!s:>15}" for h in header))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", choices=sorted(SIZES), help="repeatable")
    parser.add_argument("--people", type=int, help="override the people of every size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="write here and keep the files")
    parser.add_argument("--baseline", action="store_true", help="score two naive resolvers")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="cdpo-samples-"))
    results, quality = [], []
    try:
        for size in args.size or ["small"]:
            results.append(measure(size, args.people, args.seed, root))
            if args.baseline:
                quality += baseline(Dataset.load(root / size))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    load = os.getloadavg()[0]
    if args.json:
        report = {"cpus": os.cpu_count(), "load": load, "results": results, "quality": quality}
        print(json.dumps(report, indent=2))
        return 0
    print(f"{os.cpu_count()} CPUs, load average {load:.1f}")
    print_table(results)
    if quality:
        print()
        print_table(quality)
    return 0


if __name__ == "__main__":
    sys.exit(main())
