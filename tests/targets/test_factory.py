"""open_target: the target pipeline.yml names, configured from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.config import parse_pipeline
from cdpo.errors import AuthenticationError, ConfigError
from cdpo.targets.factory import open_target


def test_local_target_with_its_warehouse_and_replay(tmp_path: Path) -> None:
    (tmp_path / "replay.yml").write_text("version: 1\ntables: {}\n")
    pipeline = parse_pipeline("client: northwind_retail\nlocal:\n  replay: replay.yml\n")
    with open_target(pipeline, tmp_path) as target:
        assert target.name == "local"
        assert (tmp_path / ".cdpo").is_dir()


def test_a_missing_replay_mapping_is_named(tmp_path: Path) -> None:
    pipeline = parse_pipeline("client: northwind_retail\nlocal:\n  replay: nope.yml\n")
    with pytest.raises(ConfigError, match=r"nope.yml: local.replay: the replay mapping does not"):
        open_target(pipeline, tmp_path)


def test_td_target_needs_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = parse_pipeline("client: northwind_retail\ntarget: td\ntd:\n  region: eu01\n")
    with pytest.raises(AuthenticationError, match="TD_API_KEY is not set"):
        open_target(pipeline, tmp_path)
    monkeypatch.setenv("TD_API_KEY", "1/" + "0" * 40)
    with open_target(pipeline, tmp_path) as target:
        assert target.name == "td"
