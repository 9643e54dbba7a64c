"""Measure the local Digdag runtime: task throughput, td> task cost, and kill latency.

Prints one table (``--json`` for machines). Not a test: nothing is asserted.
Usage: ``.venv/bin/python benchmarks/digdag_runtime.py --tasks 200``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cdpo.targets.local import LocalTarget

WORKFLOWS = {
    "echo_loop": "+loop:\n  loop>: {n}\n  _do:\n    echo>: task ${{i}}\n",
    "parallel_echo": "+loop:\n  loop>: {n}\n  _parallel: true\n  _do:\n    echo>: task ${{i}}\n",
    "td_queries": (
        "+db:\n  td_ddl>:\n  create_databases: [bench]\n"
        "+loop:\n  loop>: {q}\n  _do:\n    td>:\n    query: SELECT ${{i}} AS i\n    database: bench\n"
        "    create_table: t_${{i}}\n"
    ),
    "kill": "+slow:\n  sh>: sleep 60\n",
}


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _kill_latency(target: LocalTarget) -> float:
    ref = target.start("bench", "kill", session_time=datetime.now(UTC))
    while target.attempt(ref.attempt_id).running_task != "+kill+slow":
        time.sleep(0.05)
    start = time.perf_counter()
    target.kill(ref.attempt_id)
    target.wait(ref.attempt_id, timeout=60)
    return time.perf_counter() - start


def measure(tasks: int, queries: int) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "bench"
        project.mkdir()
        for name, text in WORKFLOWS.items():
            (project / f"{name}.dig").write_text(text.format(n=tasks, q=queries))
        with LocalTarget(Path(scratch) / "root") as target:
            target.push(project)
            rows = []
            for name, count in (
                ("echo_loop", tasks),
                ("parallel_echo", tasks),
                ("td_queries", queries),
            ):
                seconds = _timed(lambda name=name: target.run("bench", name))
                rows.append(
                    {
                        "case": name,
                        "tasks": count,
                        "seconds": round(seconds, 2),
                        "ms_per_task": round(1000 * seconds / count, 1),
                    }
                )
            rows.append(
                {
                    "case": "kill (worker, sh> sleep)",
                    "tasks": 1,
                    "seconds": round(_kill_latency(target), 2),
                    "ms_per_task": None,
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure(args.tasks, args.queries)
    if args.json:
        print(json.dumps(rows))
        return
    print(f"{'case':<28}{'tasks':>7}{'seconds':>10}{'ms/task':>10}")
    for row in rows:
        print(
            f"{row['case']:<28}{row['tasks']:>7}{row['seconds']:>10}{row['ms_per_task'] or '':>10}"
        )


if __name__ == "__main__":
    main()
