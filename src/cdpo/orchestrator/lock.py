"""One run per pipeline at a time: an exclusive ``flock`` on ``.cdpo/pipeline.lock``.

The kernel releases a ``flock`` when its process dies, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cdpo.errors import StateError

__all__ = ["LOCK_FILE", "pipeline_lock"]

LOCK_FILE = ".cdpo/pipeline.lock"


@contextmanager
def pipeline_lock(root: Path) -> Iterator[None]:
    """Hold the pipeline's lock for the duration of the block.

    Raises:
        StateError: another process holds it (its pid is named).
    """
    path = Path(root) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise StateError(
                f"another cdpo run (pid {holder}) is running this pipeline ({path})",
                hint="Wait for it to finish, or follow it with `cdpo status`.",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)
