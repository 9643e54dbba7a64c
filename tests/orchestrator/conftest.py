"""A pipeline under test: pipeline.yml in tmp_path, toy phases, and a FakeTarget behind the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import cdpo.phases
import cdpo.targets.factory
from cdpo.errors import TerminalTargetError
from cdpo.targets.fake import FakeTarget

from .toy import PIPELINE, ToyPhase, effects, toy_phases


@dataclass
class Project:
    root: Path
    phases: tuple[ToyPhase, ...]
    target: FakeTarget
    run_cdpo: Any

    def cli(self, *args: str) -> Any:
        return self.run_cdpo(*args[:1], "-p", self.root, *args[1:])

    def state(self) -> dict[str, Any]:
        return json.loads((self.root / "pipeline_state.json").read_text())

    def phase(self, name: str) -> dict[str, Any]:
        return self.state()["phases"][name]

    def decisions(self, phase: str = "ingestion") -> list[dict[str, Any]]:
        return [d for d in self.state()["decisions"] if d["phase"] == phase]

    def steps(self, name: str) -> dict[str, str]:
        return {k: v["status"] for k, v in self.phase(name)["steps"].items()}

    def fail_staging_once(self) -> None:
        """A run that completes ingestion and hist-union, then fails to deploy staging."""

        def push(directory: Path, name: str | None) -> Any:
            if name == "staging":
                raise TerminalTargetError("push rejected: archive too large")
            return self.target.default("push", directory, name)

        self.target.handlers["push"] = push
        assert self.cli("run", "--on-failure", "abort").exit_code == 1
        del self.target.handlers["push"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cdpo: Any) -> Project:
    phases = toy_phases(ingestion=("hist", "inc"))
    target = FakeTarget(effects=effects(phases))
    monkeypatch.setattr(cdpo.phases, "PHASES", phases)
    monkeypatch.setattr(cdpo.targets.factory, "open_target", lambda pipeline, root: target)
    (tmp_path / "pipeline.yml").write_text(PIPELINE)
    return Project(tmp_path, phases, target, run_cdpo)
