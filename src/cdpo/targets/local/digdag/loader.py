"""Read Digdag YAML (``.dig`` and included files) keeping key order, ``!include`` and line numbers.

Digdag's ``!include : 'path'`` is a mapping key tagged ``!include`` whose value is a path relative
to the including file; the included mapping is merged in its place
(https://docs.digdag.io/workflow_definition.html#include-another-file). Every mapping we build
remembers the file and the line of each key, so errors can name ``file:line``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cdpo.errors import ConfigError

__all__ = ["Located", "load_yaml", "located_like", "location_of"]

INCLUDE_TAG = "!include"


class Located(dict):  # type: ignore[type-arg]
    """A YAML mapping that knows its file and the line of each of its keys."""

    file: str
    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key`` (or of the mapping itself when the key is unknown)."""
        return self.key_lines.get(key, self.line)


def location_of(value: Any, key: str | None = None) -> tuple[str | None, int | None]:
    """``(file, line)`` of a mapping (or of one of its keys), ``(None, None)`` for plain values."""
    if isinstance(value, Located):
        return value.file, value.line_of(key) if key is not None else value.line
    return None, None


def located_like(original: Any, mapping: dict[str, Any]) -> dict[str, Any]:
    """``mapping`` carrying ``original``'s file and lines, for tasks generated from a ``_do``."""
    if not isinstance(original, Located):
        return mapping
    copy = Located(mapping)
    copy.file, copy.line, copy.key_lines = original.file, original.line, dict(original.key_lines)
    return copy


_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (about ten times faster to compose than Python's)."""


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader whose mappings are ``Located`` and which expands ``!include`` keys."""

    def __init__(self, stream: str, path: Path, chain: tuple[Path, ...]) -> None:
        super().__init__(stream)
        self.path = path
        self.chain = chain

    def construct_located(self, node: yaml.MappingNode) -> Located:
        mapping = Located()
        mapping.file = str(self.path)
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == INCLUDE_TAG:
                self._merge_include(mapping, value_node, line)
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in mapping.key_lines:
                raise ConfigError(
                    f"duplicated key '{key}' (first at line {mapping.key_lines[key]})",
                    file=self.path,
                    line=line,
                    hint="Digdag rejects duplicated keys; merge the two into one.",
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    def _merge_include(self, mapping: Located, value_node: yaml.Node, line: int) -> None:
        target = self.construct_object(value_node, deep=True)
        if not isinstance(target, str) or not target:
            raise ConfigError(
                "!include needs a file path, e.g. `!include : 'config/db.yml'`",
                file=self.path,
                line=line,
            )
        included = load_yaml(self.path.parent / target, _chain=(*self.chain, self.path), _line=line)
        if not isinstance(included, dict):
            raise ConfigError(
                f"!include '{target}' must hold a YAML mapping to merge here",
                file=self.path,
                line=line,
            )
        for key, value in included.items():
            mapping[key] = value
            mapping.key_lines[key] = line


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_located)
# Digdag's YAML is read into JSON: timestamps stay strings and only true/false are booleans
# (``echo>: yes`` prints "yes", not "true").
_BOOL_TAG, _TIME_TAG = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in {_BOOL_TAG, _TIME_TAG}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(path: Path, *, _chain: tuple[Path, ...] = (), _line: int | None = None) -> Any:
    """Load one YAML file with Digdag's ``!include`` and line-numbered mappings.

    Raises:
        ConfigError: the file is missing, is not valid YAML, or includes itself.
    """
    path = Path(path)
    if path.resolve() in {p.resolve() for p in _chain}:
        raise ConfigError(f"!include loops back to {path}", file=_chain[-1], line=_line)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        where = _chain[-1] if _chain else path
        raise ConfigError(f"file not found: {path}", file=where, line=_line) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}", file=path) from None
    loader = _Loader(text, path, _chain)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(str(p) for p in (error.context, error.problem) if p)
        raise ConfigError(
            f"invalid YAML: {problem}",
            file=path,
            line=mark.line + 1 if mark else None,
            hint="Check the indentation and quoting near that line (Digdag files are YAML).",
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"invalid YAML: {error}", file=path) from None
    finally:
        loader.dispose()
