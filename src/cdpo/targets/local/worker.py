"""The worker process that runs one attempt, so callers can poll, kill and read logs meanwhile.

Usage: ``python -m cdpo.targets.local.worker ROOT ATTEMPT_ID [WAREHOUSE REPLAY SCALE]``. Everything it does
lands in the store; a failure to even start is recorded on the attempt. A warm standby
(``cdpo.targets.local.standby``) runs ``main`` with the same arguments in a process started earlier.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdpo.errors import CdpoError

if TYPE_CHECKING:
    from cdpo.targets.local.standby import Standby

__all__ = ["exit_after", "main", "spawn"]


def spawn(root: Path, attempt_id: int, options: Any, standby: Standby | None = None) -> int:
    """Start the worker for ``attempt_id`` in its own session; the pid that runs the attempt.

    ``options`` is the ``AttemptOptions`` to pass on (files only: callbacks stay in the caller).
    ``standby``, when it can take the attempt, runs it; otherwise it is closed and a new process
    starts cold. Either way stdout and stderr go to ``.cdpo/worker-<id>.log``.
    """
    args = [
        str(root),
        str(attempt_id),
        str(options.warehouse or ""),
        str(options.replay or ""),
        repr(options.retry_interval_scale),
    ]
    log = Path(root) / ".cdpo" / f"worker-{attempt_id}.log"
    if standby is not None:
        pid = standby.hand_off(args, log)
        if pid is not None:
            return pid
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cdpo.targets.local.worker", *args],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return process.pid


def main(argv: list[str]) -> int:
    from cdpo.targets.local.runner import AttemptOptions, run_attempt
    from cdpo.targets.local.store import Store

    root, attempt_id = Path(argv[0]), int(argv[1])
    warehouse, replay, scale = [*argv[2:], "", "", "1.0"][:3]
    options = AttemptOptions(
        Path(warehouse) if warehouse else None, Path(replay) if replay else None, None, float(scale)
    )
    store = Store(root)
    try:
        return 0 if run_attempt(store, attempt_id, options) else 1
    except CdpoError as error:
        print(error.message, file=sys.stderr)
        return 1
    except Exception as error:  # record the crash on the attempt rather than leave it running
        store.finish_attempt(attempt_id, False, f"worker crashed: {type(error).__name__}: {error}")
        raise
    finally:
        store.close()


def exit_after(run: Callable[[], int]) -> None:
    """Run the worker's life, then leave without the interpreter's teardown.

    The attempt's end is recorded and its files closed when ``run`` returns; tearing down the
    modules of DuckDB, pyarrow and V8 then takes tenths of a second, which the caller's MONITOR
    (woken by this process's exit) would wait out after every attempt. Exit hooks still run, and
    a crash still prints its traceback to the worker log.
    """
    try:
        code = run()
    except SystemExit as stop:
        code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_after(lambda: main(sys.argv[1:]))
