"""CPU seconds of TD SQL translation and of log redaction: this work tree next to a baseline commit.

Translates the statements of ``tests/sql/corpus/demo_statements.json`` (one of each shape the demo's
phases send: ingestion, hist-union, staging, unification) ``--loops`` times, and redacts a set of
task log lines, in a child process per side: the baseline's ``src`` is exported with ``git archive``
and put first on the child's path. Sides alternate ``--repeat`` times and the fastest run of each
counts (CPU seconds of the child: steadier than wall time on a shared machine). Both sides must
write the same DuckDB SQL for every statement, else the script says which statement differs.

    .venv/bin/python benchmarks/sql_translate.py
    .venv/bin/python benchmarks/sql_translate.py --baseline HEAD~3 --repeat 5 --json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "sql" / "corpus" / "demo_statements.json"
BASELINE = "94d3a2b"
"""The last commit before translation and redaction were made cheaper."""

_KEY = "0123456789abcdef0123456789abcdef01234567"
LOG_LINES = [
    "td>: queries/ingestion_log_success.sql",
    "td_load>: config/shopify_orders_load.yml",
    "job 1729: 4166 records",
    "already_processed: 0",
    "(0,)",
    "\n".join(f"({n}, 'klaviyo_2023-{n:02d}', 'SUCCESS', '2023-{n:02d}-01 00:00:00')" for n in range(20)),
    f"POST https://api.treasuredata.com/v3/job/issue/presto/db -> 200 (1/{_KEY})",
]  # fmt: skip


def _child(loops: int) -> dict[str, Any]:
    """Run in the child: time translation and redaction of this process's ``cdpo``."""
    from cdpo.errors import redact
    from cdpo.sql import translate

    cases = json.loads(CORPUS.read_text(encoding="utf-8"))
    outputs = [translate(case["sql"], read=case["read"]) for case in cases]  # also warms caches
    started = time.process_time()
    for _ in range(loops):
        for case in cases:
            translate(case["sql"], read=case["read"])
    translate_s = time.process_time() - started
    started = time.process_time()
    for _ in range(loops * 200):
        for line in LOG_LINES:
            redact(line, {"a-secret-value"})
    redact_s = time.process_time() - started
    digests = [hashlib.sha256(json.dumps(out).encode()).hexdigest()[:12] for out in outputs]
    return {"translate_s": translate_s, "redact_s": redact_s, "digests": digests}


def _export(revision: str, into: Path) -> Path:
    archive = into / "baseline.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "-o", str(archive), revision, "src"], check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _run(src: Path, loops: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--child", "--loops", str(loops)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--loops", type=int, default=5, help="passes over the corpus per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the fastest counts")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.loops)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"baseline": _export(args.baseline, Path(tmp)), "work tree": ROOT / "src"}
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
        for _ in range(args.repeat):
            for name, src in sides.items():
                runs[name].append(_run(src, args.loops))
    _report(runs, args)


def _report(runs: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> None:
    best = {
        name: {key: min(r[key] for r in results) for key in ("translate_s", "redact_s")}
        for name, results in runs.items()
    }
    base, work = (runs[name][0]["digests"] for name in ("baseline", "work tree"))
    differ = [n for n, (a, b) in enumerate(zip(base, work, strict=True)) if a != b]
    if args.json:
        print(json.dumps({"best": best, "statements_that_differ": differ}))
        return
    count = len(base)
    print(
        f"{count} statements x {args.loops} loops; {len(LOG_LINES)} log lines x {args.loops * 200}"
    )
    print(f"best of {args.repeat}, CPU s    {'baseline':>10} {'work tree':>10}")
    for key, label in (("translate_s", "translate corpus"), ("redact_s", "redact log lines")):
        print(f"  {label:<22} {best['baseline'][key]:10.3f} {best['work tree'][key]:10.3f}")
    print("same DuckDB SQL: " + ("yes" if not differ else f"NO, statements {differ}"))
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
