"""The one writer of ``.dig`` and ``config/*.yml`` files: Python data in, Digdag YAML out.

Dictionaries keep their key order (task order is document order in Digdag). ``Include(path)`` as a
key renders Digdag's ``!include : 'path'`` form, which may repeat inside one mapping (spec §4.2:
a standard YAML dumper cannot emit it). Scalars are emitted by PyYAML, so ``${...}`` strings and
anything else that needs quoting are quoted correctly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = ["Include", "dump_dig"]

_INDENT = "  "


@dataclass(frozen=True)
class Include:
    """A ``!include : 'path'`` key; its value in the mapping is ignored (use ``None``)."""

    path: str


def dump_dig(data: Mapping[Any, Any], header: str = "") -> str:
    """Render ``data`` (a mapping) as Digdag YAML text, with an optional ``# comment`` header.

    Example:
        >>> print(dump_dig({"timezone": "UTC", "_export": {Include("config/a.yml"): None}}), end="")
        timezone: UTC
        _export:
          !include : 'config/a.yml'
    """
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += _mapping(data, 0)
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20, allow_unicode=True)
    return text.removesuffix("\n...\n").rstrip("\n")


def _key(key: Any) -> str:
    if isinstance(key, Include):
        return "!include : " + "'" + key.path.replace("'", "''") + "'"
    return _scalar(str(key)) + ":"


def _mapping(data: Mapping[Any, Any], depth: int) -> list[str]:
    pad = _INDENT * depth
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(key, Include):
            lines.append(pad + _key(key))
        else:
            lines += _entry(pad + _key(key), value, depth)
    return lines


def _entry(head: str, value: Any, depth: int) -> list[str]:
    if isinstance(value, Mapping) and value:
        return [head, *_mapping(value, depth + 1)]
    if isinstance(value, Sequence) and not isinstance(value, str) and value:
        return [head, *_sequence(value, depth + 1)]
    if isinstance(value, str) and "\n" in value:
        body = [(_INDENT * (depth + 1) + line).rstrip() for line in value.rstrip("\n").split("\n")]
        return [head + " |", *body]
    if value is None:
        return [head]
    return [f"{head} {_scalar(value)}"]


def _sequence(items: Sequence[Any], depth: int) -> list[str]:
    pad = _INDENT * depth
    lines: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            inner = _mapping(item, depth + 1)
            lines.append(pad + "- " + inner[0].lstrip())
            lines += inner[1:]
        else:
            lines += _entry(pad + "-", item, depth)
    return lines
