"""Measure the td target's REST path against ``cdpo server`` on loopback, beside the local target.

Per call: push, attempt poll (status + tasks), logs, and a v3 query job round trip; milliseconds
as median and p95 over ``--calls`` repetitions. Not a test: nothing is asserted.
Usage: ``.venv/bin/python benchmarks/td_rest.py --calls 50``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cdpo.config import RegionHosts
from cdpo.server import ApiServer
from cdpo.targets import Target
from cdpo.targets.local import LocalTarget
from cdpo.targets.td import NO_RETRY_DELAY, TdTarget

KEY = "1/0123456789abcdef0123456789abcdef01234567"
WORKFLOW = "+db:\n  td_ddl>:\n  create_databases: [bench_db]\n" + "".join(
    f"+t{i}:\n  echo>: step {i}\n" for i in range(20)
)


def _timed(call: Callable[[], object], calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def _measure(target: Target, project: Path, calls: int) -> dict[str, tuple[float, float]]:
    ref = target.start("bench", "wf", session_time=datetime.now(UTC).replace(microsecond=0))
    deadline = time.monotonic() + 120
    while not target.attempt(ref.attempt_id).done and time.monotonic() < deadline:
        time.sleep(0.1)
    return {
        "push": _timed(lambda: target.push(project, "bench"), calls),
        "attempt (21 tasks)": _timed(lambda: target.attempt(ref.attempt_id), calls),
        "logs": _timed(lambda: target.logs(ref.attempt_id), calls),
        "query SELECT 1": _timed(lambda: target.query("SELECT 1", "bench_db"), calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "bench"
        project.mkdir()
        (project / "wf.dig").write_text(WORKFLOW)
        results = {}
        with LocalTarget(Path(scratch) / "local") as local:
            local.push(project, "bench")
            results["local"] = _measure(local, project, args.calls)
        with ApiServer(Path(scratch) / "server", port=0, api_key=KEY) as server:
            hosts = RegionHosts(server.url, server.url, server.url)
            with TdTarget(hosts, api_key=KEY, retry=NO_RETRY_DELAY, poll_seconds=0.01) as td:
                td.push(project, "bench")
                results["td via cdpo server"] = _measure(td, project, args.calls)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'call':<20} {'target':<20} {'median ms':>10} {'p95 ms':>10}")
    for target, rows in results.items():
        for call, (median, p95) in rows.items():
            print(f"{call:<20} {target:<20} {median:>10.1f} {p95:>10.1f}")


if __name__ == "__main__":
    main()
