"""The worker process that runs one attempt, so callers can poll, kill and read logs meanwhile.

Usage: ``python -m cdpo.targets.local.worker ROOT ATTEMPT_ID [WAREHOUSE REPLAY SCALE]``. Everything it does
lands in the store; a failure to even start is recorded on the attempt.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from cdpo.errors import CdpoError

__all__ = ["main", "spawn"]


def spawn(root: Path, attempt_id: int, options: Any) -> int:
    """Start the worker for ``attempt_id`` in its own process group; its pid.

    ``options`` is the ``AttemptOptions`` to pass on (files only: callbacks stay in the caller).
    """
    argv = [sys.executable, "-m", "cdpo.targets.local.worker", str(root), str(attempt_id)]
    argv += [
        str(options.warehouse or ""),
        str(options.replay or ""),
        repr(options.retry_interval_scale),
    ]
    log = Path(root) / ".cdpo" / f"worker-{attempt_id}.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            argv,
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
