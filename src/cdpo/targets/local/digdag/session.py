"""Session times and Digdag's built-in variables (``session_time``, ``last_session_*`` …).

Reproduces https://docs.digdag.io/workflow_definition.html#using-variables and the schedule
forms of https://docs.digdag.io/scheduling_workflow.html: for ``hourly>``/``daily>``/``weekly>``/
``monthly>`` the session time is the start of the period, and ``last_session_time`` is the
previous slot whether or not it ran.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cdpo.errors import ConfigError

__all__ = ["Schedule", "builtin_params", "parse_schedule", "parse_session_time", "zone"]

_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
SCHEDULE_KINDS = ("hourly", "daily", "weekly", "monthly", "minutes_interval", "cron")


def zone(name: str, *, file: str | None = None, line: int | None = None) -> ZoneInfo:
    """The ``ZoneInfo`` of a Digdag ``timezone:`` value."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown timezone '{name}'",
            file=file,
            line=line,
            field="timezone",
            hint="Use an IANA name such as UTC, Asia/Tokyo or America/Los_Angeles.",
        ) from None


@dataclass(frozen=True)
class Schedule:
    """A parsed ``schedule:``: its kind (``daily``), the raw value, and a cron expression."""

    kind: str
    value: str
    cron: str
    seconds: int = 0

    def neighbours(self, session: datetime) -> tuple[datetime, datetime]:
        """The previous and next session times around ``session`` (aware, in its zone)."""
        from croniter import croniter

        local = session.replace(tzinfo=None)
        previous = croniter(self.cron, local).get_prev(datetime)
        following = croniter(self.cron, local).get_next(datetime)
        return previous.replace(tzinfo=session.tzinfo), following.replace(tzinfo=session.tzinfo)


def _clock(text: str, parts: int) -> list[int]:
    """``HH:MM:SS`` (or ``MM:SS``) as numbers; ValueError when malformed or out of range."""
    pieces = [int(p) for p in text.strip().split(":")]
    limits = [24, 60, 60][-parts:]
    if len(pieces) != parts or any(
        not 0 <= p < limit for p, limit in zip(pieces, limits, strict=True)
    ):
        raise ValueError(text)
    return pieces


def parse_schedule(config: Any, *, file: str | None = None, line: int | None = None) -> Schedule:
    """Parse a ``schedule:`` mapping (``daily>: 07:00:00``, ``cron>: '0 * * * *'`` …).

    Raises:
        ConfigError: unknown kind or malformed time, naming the valid forms.
    """
    kinds = (
        [k for k in (config or {}) if isinstance(k, str) and k.endswith(">")]
        if isinstance(config, Mapping)
        else []
    )
    if len(kinds) != 1 or kinds[0][:-1] not in SCHEDULE_KINDS:
        raise ConfigError(
            f"schedule must name exactly one of {', '.join(k + '>' for k in SCHEDULE_KINDS)}",
            file=file,
            line=line,
            field="schedule",
        )
    kind, value = kinds[0][:-1], str(config[kinds[0]])
    try:
        return Schedule(kind, value, _cron_of(kind, value))
    except (ValueError, KeyError):
        raise ConfigError(
            f"invalid {kind}> value {value!r}",
            file=file,
            line=line,
            field="schedule",
            hint="Forms: hourly>: MM:SS, daily>: HH:MM:SS, weekly>: Sun,HH:MM:SS, monthly>: D,HH:MM:SS, "
            "minutes_interval>: M, cron>: '0 7 * * *'.",
        ) from None


def _cron_of(kind: str, value: str) -> str:
    if kind == "hourly":  # the session is the start of the hour; MM:SS is only when it runs
        _clock(value, 2)
        return "0 * * * *"
    if kind == "daily":
        _clock(value, 3)
        return "0 0 * * *"
    if kind == "weekly":
        day, clock = value.split(",", 1)
        _clock(clock, 3)
        return f"0 0 * * {_DAYS[day.strip().lower()[:3]]}"
    if kind == "monthly":
        day, clock = value.split(",", 1)
        _clock(clock, 3)
        if not 1 <= int(day) <= 31:
            raise ValueError(value)
        return "0 0 1 * *"
    if kind == "minutes_interval":
        return f"*/{int(value)} * * * *"
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(value)
    return value


def parse_session_time(text: str, tz: ZoneInfo) -> datetime:
    """Parse ``--session`` text: ISO-8601 with or without offset (then in the workflow ``tz``).

    Raises:
        ConfigError: the text is not a date or date-time.
    """
    cleaned = re.sub(r"\s+", " ", text.strip()).replace(" ", "T", 1)
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ConfigError(
            f"invalid session time '{text}'",
            hint="Use ISO-8601, e.g. 2024-01-31, '2024-01-31 07:00:00' or 2024-01-31T07:00:00+09:00.",
        ) from None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _time_vars(prefix: str, moment: datetime) -> dict[str, Any]:
    offset = moment.strftime("%z")
    return {
        f"{prefix}_time": moment.isoformat(timespec="seconds"),
        f"{prefix}_date": moment.strftime("%Y-%m-%d"),
        f"{prefix}_date_compact": moment.strftime("%Y%m%d"),
        f"{prefix}_local_time": moment.strftime("%Y-%m-%d %H:%M:%S"),
        f"{prefix}_tz_offset": offset,
        f"{prefix}_unixtime": int(moment.timestamp()),
    }


def builtin_params(
    session_time: datetime, timezone: str, schedule: Schedule | None = None
) -> dict[str, Any]:
    """The session's built-in variables; ``last_/next_session_*`` only with a schedule (as Digdag)."""
    local = session_time.astimezone(zone(timezone))
    params: dict[str, Any] = {"timezone": timezone, **_time_vars("session", local)}
    if schedule is not None:
        previous, following = schedule.neighbours(local)
        params.update(_time_vars("last_session", previous))
        params.update(_time_vars("next_session", following))
    return params
