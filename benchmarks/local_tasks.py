"""What one ingestion history workflow costs the local warehouse: DuckDB calls, sqlglot
translations and COMMITs per td_load> batch (a monthly batch of a history load), and seconds.

Writes the demo data set (``cdpo demo``'s, ``--size small|medium``) once into ``--workdir``,
generates the ingestion project from its pipeline.yml, then runs ``--workflow`` (default
``shopify_ingest_hist``: 2 tables x 24 monthly batches) in this process on a fresh warehouse,
``--repeat`` times; the fastest run counts (its CPU seconds, this process's, are steadier than
wall seconds on a busy machine). Every call the warehouse makes on its DuckDB
connection is counted (``execute``/``sql``/``table``), and so is every sqlglot translation.
Compare before/after by running it on two commits. Not a test: nothing is asserted.

    .venv/bin/python benchmarks/local_tasks.py --size medium --workdir /tmp/cdpo-tasks
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cdpo.sql
from cdpo.config import load_pipeline
from cdpo.orchestrator import write_demo
from cdpo.orchestrator.demo import set_demo_secrets
from cdpo.phases.base import PhaseContext, PhaseName
from cdpo.phases.ingestion import IngestionPhase
from cdpo.targets.local import LocalTarget, warehouse
from cdpo.targets.local.warehouse import storage

COUNTS: Counter[str] = Counter()
SECONDS: Counter[str] = Counter()
LOG: list[str] = []
"""With ``--log FILE``: one line per call (kind, seconds, first 200 characters)."""


class _CountingConnection:
    """A DuckDB connection that counts and times what is asked of it."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def _timed(self, kind: str, method: str, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return getattr(self._con, method)(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - start
            COUNTS[kind] += 1
            SECONDS[kind] += seconds
            text = " ".join(str(args[0] if args else "").split())[:200]
            LOG.append(f"{kind}\t{seconds:.4f}\t{text}")

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        kind = "commit" if query.strip().upper() == "COMMIT" else "execute"
        self._timed(kind, "execute", query, *args, **kwargs)
        return self

    def sql(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed("sql", "sql", *args, **kwargs)

    def table(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed("table", "table", *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _instrument() -> None:
    connect, translate, load = storage.connect, cdpo.sql.translate, warehouse.run_td_load

    def counting_connect(path: Any, **kwargs: Any) -> Any:
        con = connect(path, **kwargs)
        return con if str(path) == ":memory:" else _CountingConnection(con)

    def counting_translate(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return translate(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - start
            COUNTS["sqlglot"] += 1
            SECONDS["sqlglot"] += seconds
            LOG.append(f"sqlglot\t{seconds:.4f}\t{' '.join(str(args[0]).split())[:200]}")

    def counting_load(*args: Any, **kwargs: Any) -> Any:
        COUNTS["td_load"] += 1
        return load(*args, **kwargs)

    storage.connect = counting_connect  # type: ignore[assignment]
    warehouse.run_td_load = counting_load  # type: ignore[assignment]
    cdpo.sql.translate = counting_translate  # type: ignore[assignment]


def _demo(workdir: Path, size: str, people: int | None) -> tuple[Path, Any]:
    """The demo's pipeline and its ingestion project, written once per work directory."""
    marker = workdir / f".written-{size}-{people}"
    if not marker.exists():
        shutil.rmtree(workdir, ignore_errors=True)
        write_demo(workdir, size=size, people=people, implemented=[PhaseName.INGESTION])
        marker.touch()
    pipeline = load_pipeline(workdir / "pipeline.yml")
    set_demo_secrets(pipeline)  # placeholders: the SFTP loads are replayed from files
    return workdir, pipeline


def run_once(workdir: Path, pipeline: Any, workflow: str, scratch: Path) -> dict[str, Any]:
    shutil.rmtree(scratch, ignore_errors=True)
    replay = workdir / "data" / "replay.yml"
    with LocalTarget(scratch, replay=replay) as target:
        project = IngestionPhase().generate(PhaseContext(pipeline, target, workdir))
        for database in _databases(project.directory):
            target.create_database(database)
        revision = target.push(project.directory)
        target.release_warehouse()
        COUNTS.clear()
        SECONDS.clear()
        LOG.clear()
        start, cpu = time.perf_counter(), time.process_time()
        attempt = target.run(revision.project, workflow, session_time=datetime.now(UTC))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if attempt.status.value != "success":
        failed = [(t.full_name, t.error) for t in attempt.failed_tasks]
        raise SystemExit(f"{workflow} failed: {failed}")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "counts": dict(COUNTS),
        "busy": dict(SECONDS),
        "log": list(LOG),
    }


def _databases(directory: Path) -> list[str]:
    import yaml

    config = yaml.safe_load((directory / "config" / "database.yml").read_text(encoding="utf-8"))
    return sorted(set(config["databases"].values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="small", choices=("small", "medium"))
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--workflow", default="shopify_ingest_hist")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cdpo-local-tasks"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--log", type=Path, help="write every call of the fastest run here")
    args = parser.parse_args()
    workdir, pipeline = _demo(args.workdir.resolve(), args.size, args.people)
    _instrument()
    runs = [
        run_once(workdir, pipeline, args.workflow, workdir / ".bench-run")
        for _ in range(args.repeat)
    ]
    best = min(runs, key=lambda run: run["seconds"])
    batches = max(1, best["counts"].get("td_load", 0))
    if args.log:
        args.log.write_text("\n".join(best.pop("log")) + "\n", encoding="utf-8")
    best.pop("log", None)
    row = {"workflow": args.workflow, "size": args.size, "batches": batches, **best}
    if args.json:
        print(json.dumps(row))
        return
    print(f"{args.workflow} ({args.size}): {batches} td_load> batches, best of {args.repeat}")
    print(
        f"  attempt seconds      {best['seconds']:8.2f}   (all: "
        + ", ".join(f"{r['seconds']:.2f}" for r in runs)
        + ")"
    )
    print(
        f"  attempt CPU seconds  {best['cpu_seconds']:8.2f}   (all: "
        + ", ".join(f"{r['cpu_seconds']:.2f}" for r in runs)
        + ")"
    )
    print(f"{'  call':<24}{'count':>8}{'per batch':>11}{'seconds':>10}")
    for kind in ("execute", "sql", "table", "commit", "sqlglot"):
        count = best["counts"].get(kind, 0)
        busy = best["busy"].get(kind, 0.0)
        print(f"  {kind:<22}{count:>8}{count / batches:>11.1f}{busy:>10.2f}")


if __name__ == "__main__":
    main()
