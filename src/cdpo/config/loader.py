"""Read pipeline.yml into a ``PipelineConfig``; every error names file, line, field and what is valid.

YAML is composed into nodes first so each key keeps its line; pydantic's errors are then mapped
back to the line of the offending key, with a "did you mean" for unknown names (as sqlglot's
``suggest_closest_match_and_fail``).
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from cdpo.config.models import PipelineConfig
from cdpo.errors import ConfigError, did_you_mean

__all__ = ["PIPELINE_FILE", "find_pipeline", "load_pipeline", "parse_pipeline"]

PIPELINE_FILE = "pipeline.yml"
_TD_KEY_SHAPE = re.compile(r"\b\d+/[0-9a-fA-F]{40}\b")
Loc = tuple[str | int, ...]


def find_pipeline(path: Path | str | None = None) -> Path:
    """The pipeline.yml a command works on: ``path`` itself, or ``pipeline.yml`` in a directory."""
    candidate = Path(path) if path is not None else Path.cwd()
    if candidate.is_dir():
        candidate = candidate / PIPELINE_FILE
    if not candidate.is_file():
        raise ConfigError(
            "no pipeline file here",
            file=candidate,
            hint="Run `cdpo init` to write an annotated example, or pass --pipeline PATH.",
        )
    return candidate


def load_pipeline(path: Path | str) -> PipelineConfig:
    """Load and validate a pipeline.yml.

    Raises:
        ConfigError: the file is missing, not YAML, or a field is invalid (file, line, field named).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", file=file) from None
    return parse_pipeline(text, file).with_root(file.resolve().parent)


def parse_pipeline(text: str, file: Path | str = PIPELINE_FILE) -> PipelineConfig:
    """Validate pipeline.yml text; ``file`` only names the source in error messages."""
    if match := _TD_KEY_SHAPE.search(text):
        raise ConfigError(
            "this looks like a TD API key; keys are never written in pipeline.yml",
            file=file,
            line=text.count("\n", 0, match.start()) + 1,
            hint="Remove it and `export TD_API_KEY=...` instead.",
        )
    data, lines = _compose(text, file)
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # An unknown key explains a "missing" one (a typo), so it is reported first.
        first = min(errors, key=lambda e: e["type"] != "extra_forbidden")
        raise _config_error(first, lines, file) from None


def _compose(text: str, file: Path | str) -> tuple[dict[str, Any], dict[Loc, int]]:
    """The document as Python data, and the 1-based line of each mapping key by its path."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"not valid YAML: {problem}", file=file, line=mark.line + 1 if mark else None
        ) from None
    if node is None:
        raise ConfigError("the file is empty; it needs at least `client:`", file=file)
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            "the top level must be a mapping of sections (client:, ingestion:, …)",
            file=file,
            line=node.start_mark.line + 1,
        )
    lines: dict[Loc, int] = {}
    _index(node, (), lines, file)
    data = yaml.SafeLoader(text).get_single_data()
    return data, lines


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int], file: Path | str) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value
            if name in seen:
                raise ConfigError(
                    f"duplicate key '{name}'", file=file, line=key.start_mark.line + 1, field=name
                )
            seen.add(name)
            lines[(*loc, name)] = key.start_mark.line + 1
            _index(value, (*loc, name), lines, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines, file)


def _config_error(error: Any, lines: dict[Loc, int], file: Path | str) -> ConfigError:
    loc: Loc = tuple(p for p in error["loc"] if not _is_pydantic_tag(p))
    field = ".".join(str(p) for p in loc) or None
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    return ConfigError(_problem(error, loc), file=file, line=line, field=field)


def _is_pydantic_tag(part: str | int) -> bool:
    """Union and constraint tags pydantic inserts into locations (``function-after[…]``)."""
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def _problem(error: Any, loc: Loc) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        valid = _fields_at(PipelineConfig, loc[:-1])
        return (
            f"unknown field '{loc[-1]}'.{did_you_mean(str(loc[-1]), valid)} "
            f"Valid fields here: {', '.join(valid)}"
        )
    if kind == "missing":
        return f"required field missing: {_describe(loc)}"
    if kind in {"literal_error", "enum"}:
        choices = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        return f"'{value}' is not one of {', '.join(choices)}.{did_you_mean(str(value), choices)}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return f"'{value}' is not valid here: {_describe(loc)}"
    if kind == "value_error" or not loc or isinstance(value, dict | list):
        return message
    return f"{message} (got {value!r}): {_describe(loc)}"


def _describe(loc: Loc) -> str:
    """The field's ``description`` (the user documentation), or its name."""
    info = _field_info(PipelineConfig, loc)
    names = [str(p) for p in loc if isinstance(p, str)]
    name = names[-1] if names else "document"
    return f"{name} ({info.description})" if info is not None and info.description else name


def _field_info(model: type[BaseModel], loc: Loc) -> Any:
    info = None
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        current_model = _model_of(current)
        if current_model is None or part not in current_model.model_fields:
            return None
        info = current_model.model_fields[part]
        current = info.annotation
    return info


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    if not loc:
        return list(model.model_fields)
    info = _field_info(model, loc)
    inner = _model_of(info.annotation) if info is not None else None
    return list(inner.model_fields) if inner is not None else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``X | None`` or ``tuple[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if (found := _model_of(arg)) is not None:
            return found
    return None
