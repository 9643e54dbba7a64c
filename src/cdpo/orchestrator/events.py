"""What the orchestrator tells its observers (progress view, log files) as a run advances."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cdpo.orchestrator.state import StepName
from cdpo.phases import PhaseName

__all__ = ["Event", "EventKind", "Listener"]


class EventKind(StrEnum):
    RUN_STARTED = "run_started"
    PREFLIGHT = "preflight"
    PHASE_STARTED = "phase_started"
    STEP_STARTED = "step_started"
    STEP_FINISHED = "step_finished"
    STEP_FAILED = "step_failed"
    CALL = "call"
    WORKFLOW_STARTED = "workflow_started"
    POLL = "poll"
    LOG_EXCERPT = "log_excerpt"
    DECISION = "decision"
    PHASE_FINISHED = "phase_finished"
    RUN_FINISHED = "run_finished"


@dataclass(frozen=True)
class Event:
    """One thing that happened; ``data`` holds ids, counts and durations for machines (--json)."""

    kind: EventKind
    message: str
    phase: PhaseName | None = None
    step: StepName | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "kind": self.kind.value,
            "phase": self.phase.value if self.phase else None,
            "step": self.step.value if self.step else None,
            "message": self.message,
            "data": dict(self.data),
        }


Listener = Callable[[Event], None]
