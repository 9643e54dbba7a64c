"""The tar.gz a project is pushed as, built the way ``digdag push`` builds it.

Digdag's ``Archiver`` packs every file under the project directory with paths relative to it;
top-level ``*.dig`` files are the workflows ("*.dig files in subdirectories are not recognized as
workflows", ``Push.java``); symlinks leaving the project are refused (reference §A.2). tdworkflow's
``util.py`` also leaves out dotfiles, virtualenvs and caches, and so do we. The archive is
deterministic (sorted names, zero mtimes, fixed modes) and the revision is a hash of the content,
so pushing unchanged files twice gives the same revision.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cdpo.errors import ConfigError

__all__ = ["ProjectArchive", "build_archive", "is_excluded"]

_EXCLUDED_NAMES = frozenset({"venv", "__pycache__", "node_modules"})
_EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".egg-info")


@dataclass(frozen=True)
class ProjectArchive:
    """The gzip'd tar bytes, the files in it (POSIX paths, sorted), its workflows and revision."""

    data: bytes
    files: tuple[str, ...]
    workflows: tuple[str, ...]
    revision: str


def is_excluded(relative: Path) -> bool:
    """True for dotfiles and dot-directories (``.git``, ``.digdag``, ``.venv``), virtualenvs,
    caches and compiled Python, at any depth.

    Example:
        >>> is_excluded(Path("queries/__pycache__/x.pyc")), is_excluded(Path("queries/a.sql"))
        (True, False)
    """
    return any(
        part.startswith(".") or part in _EXCLUDED_NAMES or part.endswith(_EXCLUDED_SUFFIXES)
        for part in relative.parts
    )


def _files(project_dir: Path) -> list[Path]:
    root = project_dir.resolve()
    found = []
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if is_excluded(relative) or path.is_dir():
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise ConfigError(
                f"symlink points outside the project ({path.resolve()}); digdag refuses it",
                file=path,
                hint="Copy the file into the project instead of linking to it.",
            )
        if path.is_file():
            found.append(path)
    return found


def build_archive(project_dir: Path) -> ProjectArchive:
    """Pack ``project_dir`` as Digdag does.

    The revision is the first 16 hex digits of SHA-256 over each ``name NUL content NUL`` in name
    order, the same scheme as the local runtime's store, so both targets name a revision alike.

    Raises:
        ConfigError: the directory is missing, has no top-level ``.dig`` file, or holds a symlink
            that leaves it.
    """
    project_dir = Path(project_dir)
    if not project_dir.is_dir():
        raise ConfigError("project directory does not exist", file=project_dir)
    files = _files(project_dir)
    names = [p.relative_to(project_dir).as_posix() for p in files]
    workflows = tuple(
        sorted(n[: -len(".dig")] for n in names if "/" not in n and n.endswith(".dig"))
    )
    if not workflows:
        raise ConfigError(
            "no workflow: the project has no top-level .dig file",
            file=project_dir,
            hint="Digdag only treats *.dig files at the top of the project as workflows.",
        )
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, name in zip(files, names, strict=True):
            data = path.read_bytes()
            digest.update(name.encode() + b"\0" + data + b"\0")
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    data = gzip.compress(buffer.getvalue(), mtime=0)
    return ProjectArchive(data, tuple(names), workflows, digest.hexdigest()[:16])
