"""Measure the local Digdag runtime: task throughput, td> task cost, kill latency, attempt starts.

Prints two tables (``--json`` for machines). Not a test: nothing is asserted.
Usage: ``.venv/bin/python benchmarks/digdag_runtime.py --tasks 200 --starts 5``.

Attempt starts: ``--starts`` attempts of a two-task workflow (an echo> of a moment.js expression, a
td> query) in a worker started cold and in a warm standby (``LocalTarget(warm_workers=...)``),
interleaved, each after ``--gap`` seconds of quiet (the demo's attempts run for seconds, time enough
for a standby to warm up); seconds from ``start`` to the first task running and to the attempt done.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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
    "first_task": (
        '+first:\n  echo>: ${{moment(session_time).format("YYYY")}}\n'
        "+query:\n  td>:\n  query: SELECT 1 AS one\n  database: bench\n"
    ),
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


def _start_times(target: LocalTarget, hour: int) -> tuple[float, float]:
    """Seconds from ``start`` to the first task running, and to the attempt done."""
    started = time.perf_counter()
    ref = target.start(
        "bench", "first_task", session_time=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=hour)
    )
    first = None
    while True:
        if first is None and any(
            t["full_name"] != "+first_task" and t["state"] != "blocked"
            for t in target.store.tasks(int(ref.attempt_id))
        ):
            first = time.perf_counter() - started
        row = target.store.attempt(int(ref.attempt_id))
        if row["done"]:
            assert row["success"], f"attempt {ref.attempt_id} failed: {row['error']}"
            return first or 0.0, time.perf_counter() - started
        time.sleep(0.005)


def measure_starts(starts: int, gap: float) -> list[dict[str, object]]:
    """Cold and warm worker starts, interleaved (warm first in odd rounds)."""
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "bench"
        project.mkdir()
        (project / "first_task.dig").write_text(WORKFLOWS["first_task"].format())
        targets = {
            mode: LocalTarget(Path(scratch) / mode, warm_workers=mode == "warm")
            for mode in ("cold", "warm")
        }
        times: dict[str, list[tuple[float, float]]] = {mode: [] for mode in targets}
        for target in targets.values():
            target.push(project)
            target.create_database("bench")
            _start_times(target, 0)  # the warm target's first start is cold: it starts a standby
        for hour in range(1, starts + 1):
            for mode in sorted(targets, reverse=hour % 2 == 1):
                time.sleep(gap)
                times[mode].append(_start_times(targets[mode], hour))
        for target in targets.values():
            target.close()
    return [
        {
            "case": f"attempt start, {mode} worker",
            "attempts": starts,
            "first_task_s": round(statistics.median(t[0] for t in times[mode]), 3),
            "first_task_best_s": round(min(t[0] for t in times[mode]), 3),
            "done_s": round(statistics.median(t[1] for t in times[mode]), 3),
        }
        for mode in ("cold", "warm")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--starts", type=int, default=5, help="attempts per mode (0: skip)")
    parser.add_argument("--gap", type=float, default=2.0, help="seconds of quiet before a start")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure(args.tasks, args.queries)
    starts = measure_starts(args.starts, args.gap) if args.starts else []
    if args.json:
        print(json.dumps(rows + starts))
        return
    print(f"{'case':<28}{'tasks':>7}{'seconds':>10}{'ms/task':>10}")
    for row in rows:
        print(
            f"{row['case']:<28}{row['tasks']:>7}{row['seconds']:>10}{row['ms_per_task'] or '':>10}"
        )
    if starts:
        print(f"\n{'case':<28}{'attempts':>9}{'first task s':>14}{'(best)':>8}{'done s':>9}")
        for row in starts:
            print(
                f"{row['case']:<28}{row['attempts']:>9}{row['first_task_s']:>14}"
                f"{row['first_task_best_s']:>8}{row['done_s']:>9}"
            )


if __name__ == "__main__":
    main()
