"""The pushed archive, file by file: what digdag would pack, and nothing else."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from cdpo.errors import ConfigError
from cdpo.targets.td import build_archive

KEPT = {
    "ingest.dig": "+a:\n  echo>: hi\n",
    "unify.dig": "+u:\n  echo>: u\n",
    "config/database.yml": "src: acme_src\n",
    "queries/load.sql": "SELECT 1\n",
    "scripts/helper.py": "print(1)\n",
    "sub/nested.dig": "+n:\n  echo>: not a workflow\n",
}
LEFT_OUT = {
    ".digdag/tmp/archive.tar.gz": "x",
    ".git/config": "[core]\n",
    ".env": "TD_API_KEY=1/abc\n",
    ".venv/lib/site.py": "x",
    "venv/bin/python": "x",
    "scripts/__pycache__/helper.cpython-311.pyc": "x",
    "scripts/old.pyc": "x",
    "pkg.egg-info/PKG-INFO": "x",
    "queries/.hidden.sql": "x",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "acme"
    for relative, text in {**KEPT, **LEFT_OUT}.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_the_archive_holds_exactly_the_project_files(project: Path) -> None:
    archive = build_archive(project)
    assert archive.files == tuple(sorted(KEPT))
    assert archive.workflows == ("ingest", "unify")  # sub/nested.dig is not a workflow
    members = _members(archive.data)
    assert sorted(members) == sorted(KEPT)
    with tarfile.open(fileobj=io.BytesIO(archive.data), mode="r:gz") as tar:
        for name, text in KEPT.items():
            member = members[name]
            assert member.isfile() and member.mode == 0o644 and member.mtime == 0
            extracted = tar.extractfile(name)
            assert extracted is not None and extracted.read().decode() == text


def test_the_archive_and_revision_are_deterministic(project: Path, tmp_path: Path) -> None:
    first = build_archive(project)
    (project / "queries" / "load.sql").touch()  # a new mtime changes nothing
    assert build_archive(project) == first
    assert len(first.revision) == 16 and first.data[:2] == b"\x1f\x8b"
    (project / "queries" / "load.sql").write_text("SELECT 2\n")
    assert build_archive(project).revision != first.revision
    (project / "queries" / "load.sql").write_text("SELECT 1\n")
    (project / ".git" / "config").write_text("changed")
    assert build_archive(project).revision == first.revision


def test_bad_projects_are_named(tmp_path: Path, project: Path) -> None:
    with pytest.raises(ConfigError, match="project directory does not exist"):
        build_archive(tmp_path / "missing")
    only_nested = tmp_path / "nested"
    (only_nested / "sub").mkdir(parents=True)
    (only_nested / "sub" / "x.dig").write_text("+a:\n  echo>: a\n")
    with pytest.raises(ConfigError, match=r"no top-level \.dig file"):
        build_archive(only_nested)
    outside = tmp_path / "outside.sql"
    outside.write_text("SELECT 1")
    (project / "queries" / "linked.sql").symlink_to(outside)
    with pytest.raises(ConfigError, match=r"linked\.sql: symlink points outside the project"):
        build_archive(project)
