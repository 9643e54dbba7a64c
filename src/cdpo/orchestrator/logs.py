"""``pipeline_logs/YYYYMMDD/phaseN_<name>.log``: every call and outcome, timestamped, secrets redacted.

Events outside a phase (pre-flight, the run itself) go to ``pipeline.log`` in the same folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from cdpo.errors import redact
from cdpo.orchestrator.events import Event
from cdpo.phases import PhaseName

__all__ = ["LOG_DIR", "PhaseLogWriter", "log_file_name"]

LOG_DIR = "pipeline_logs"
_FILE_NAMES = {
    PhaseName.INGESTION: "phase1_ingestion.log",
    PhaseName.HIST_UNION: "phase2_histunion.log",
    PhaseName.STAGING: "phase3_staging.log",
    PhaseName.UNIFICATION: "phase4_unification.log",
}


def log_file_name(phase: PhaseName | None) -> str:
    """The spec's log file name of a phase (spec §1.9), ``pipeline.log`` for run-level events."""
    return _FILE_NAMES[phase] if phase is not None else "pipeline.log"


class PhaseLogWriter:
    """A ``Listener`` that appends each event to its phase's log file of the day."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __call__(self, event: Event) -> None:
        folder = self.root / LOG_DIR / event.at.strftime("%Y%m%d")
        folder.mkdir(parents=True, exist_ok=True)
        step = f" [{event.step.value}]" if event.step else ""
        line = (
            f"{event.at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')} {event.kind.value}{step} {event.message}"
        )
        if event.data:
            line += " " + json.dumps(dict(event.data), default=str, sort_keys=True)
        with open(folder / log_file_name(event.phase), "a", encoding="utf-8") as handle:
            handle.write(redact(line) + "\n")
