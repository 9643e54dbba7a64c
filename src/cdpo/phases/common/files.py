"""Writing a rendered Digdag project: every phase renders first, then writes through here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["write_files"]


def write_files(
    directory: Path, files: Mapping[str, str], generated: Sequence[str]
) -> tuple[str, ...]:
    """Write ``files`` (relative path → text) under ``directory``; return their paths.

    Files matching the ``generated`` globs that are no longer rendered (a table dropped from
    pipeline.yml) are removed; anything else the user keeps there (credentials) stays.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> _ = (root / "old.dig").write_text("")
        >>> write_files(root, {"new.dig": "+t:\\n  echo>: hi\\n"}, ["*.dig"])
        ('new.dig',)
        >>> sorted(p.name for p in root.iterdir())
        ['new.dig']
    """
    for pattern in generated:
        for stale in directory.glob(pattern):
            if stale.relative_to(directory).as_posix() not in files:
                stale.unlink()
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tuple(files)
