"""``cdpo run`` as a user types it, for the pseudo-terminal tests: toy phases, a FakeTarget.

Usage: python tty_run.py ROOT ok|fail_hist. ``fail_hist``: every attempt of the ``hist`` workflow
ends in error, with a log. Stdin is the terminal, so the run asks its questions. Writes
ROOT/child.json: the exit code, the workflows started and how often each phase generated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cdpo.phases
import cdpo.targets.factory
from cdpo.cli import run
from cdpo.targets import AttemptStatus
from cdpo.targets.fake import FakeTarget
from orchestrator.toy import effects, toy_phases


def main(root: Path, scenario: str) -> int:
    phases = toy_phases(ingestion=("hist", "inc"))
    target = FakeTarget(effects=effects(phases))
    if scenario == "fail_hist":
        target.outcomes["hist"] = AttemptStatus.ERROR
    cdpo.phases.PHASES = phases  # type: ignore[attr-defined]
    cdpo.targets.factory.open_target = lambda pipeline, root: target  # type: ignore[assignment]
    code = run(["run", "-p", str(root)])
    report = {
        "code": code,
        "started": [str(args[1]) for name, args in target.calls if name == "start"],
        "generated": {p.name.value: p.generated for p in phases},
    }
    (root / "child.json").write_text(json.dumps(report))
    return code


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
