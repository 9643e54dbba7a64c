"""``cdpo run`` in a child process with toy phases and a FakeTarget, for kill/resume/lock tests.

Usage: python subprocess_run.py ROOT hang|resume. ``hang``: attempts never finish (MONITOR waits
until killed). ``resume``: a new process, as after a crash; the target still knows the pushed project
and the attempt the killed run was following, which has since succeeded (as on a real target).
Writes ROOT/child.json: the exit code, the target calls and how often each phase generated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cdpo.phases
import cdpo.targets.factory
from cdpo.cli import run
from cdpo.targets import Attempt, AttemptStatus
from cdpo.targets.fake import FakeTarget
from orchestrator.toy import effects, toy_phases


def main(root: Path, mode: str) -> int:
    phases = toy_phases(ingestion=("hist", "inc"))
    target = FakeTarget(effects=effects(phases), polls=-1 if mode == "hang" else 0)
    if mode == "resume":
        target.push(root / "ingestion", "ingestion")
        target.calls.clear()
        target.handlers["attempt"] = lambda attempt_id: _finished_elsewhere(target, attempt_id)
    cdpo.phases.PHASES = phases  # type: ignore[attr-defined]
    cdpo.targets.factory.open_target = lambda pipeline, root: target  # type: ignore[assignment]
    code = run(["run", "-p", str(root), "--yes", "--json"])
    report = {
        "code": code,
        "calls": [[name, [str(a) for a in args]] for name, args in target.calls],
        "generated": {p.name.value: p.generated for p in phases},
    }
    (root / "child.json").write_text(json.dumps(report))
    return code


def _finished_elsewhere(target: FakeTarget, attempt_id: str) -> Attempt:
    """An attempt started by the killed process: it kept running on the target and succeeded."""
    if attempt_id in target._attempts:
        return target.default("attempt", attempt_id)
    target.add_table("northwind_retail_src", "ingestion_hist", 5)
    return Attempt(attempt_id, "1", "ingestion", "hist", AttemptStatus.SUCCESS, "2026-01-01")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
