"""The in-process stand-in for TD's ``POST /unifications/workflow_call`` (the ``http_call>`` task).

TD answers that call with a generated workflow that runs the unification (td-apis-digdag-and-peers
§D.1); the local Digdag runtime instead calls ``serve_workflow_call`` with the same request body and
gets a summary of what was written. The body's flags are TD's (p1_syntax). ``guards``,
``engine`` and ``key_masks`` are cdpo extensions, absent from TD's API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from cdpo.errors import ConfigError, did_you_mean
from cdpo.unify.config import load_unify_config
from cdpo.unify.engine import unify
from cdpo.unify.guards import Guards

__all__ = ["serve_workflow_call"]

_FLAGS = {
    "run_canonical_ids": False,
    "run_persistent_ids": False,
    "run_enrichments": False,
    "run_master_tables": False,
    "full_refresh": True,
    "keep_debug_tables": False,
}
_EXTENSIONS = {"unification", "guards", "engine", "key_masks"}


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name, _FLAGS[name])
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"  # Digdag renders ${...} parameters as strings
    if not isinstance(value, bool):
        raise ConfigError(f"must be true or false, not {value!r}", field=f"workflow_call.{name}")
    return value


def serve_workflow_call(body: Mapping[str, Any], con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Run the unification a workflow_call request body asks for; return a JSON-ready summary.

    ``body`` is TD's request body: ``run_canonical_ids``, ``run_persistent_ids``,
    ``run_enrichments``, ``run_master_tables``, ``full_refresh``, ``keep_debug_tables`` and
    ``unification`` (the unify.yml mapping). The summary holds the output schema, the tables
    written, and per id the engine, mode, iterations, ids, profiles and excluded values.

    Raises:
        ConfigError: an unknown body field, a flag that is not a boolean, neither id kind asked
            for, or an invalid ``unification``.
    """
    unknown = sorted(set(body) - set(_FLAGS) - _EXTENSIONS)
    if unknown:
        hint = did_you_mean(unknown[0], [*_FLAGS, *_EXTENSIONS])
        raise ConfigError(f"unknown field {unknown[0]!r}.{hint}", field="workflow_call")
    if "unification" not in body or not isinstance(body["unification"], Mapping):
        raise ConfigError("the unify.yml mapping is missing", field="workflow_call.unification")
    flags = {name: _flag(body, name) for name in _FLAGS}
    if not (flags["run_canonical_ids"] or flags["run_persistent_ids"]):
        raise ConfigError(
            "set run_canonical_ids or run_persistent_ids to true", field="workflow_call"
        )
    config = load_unify_config(body["unification"])
    try:
        guards = Guards.from_dict(body.get("guards"))
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc), field="workflow_call.guards") from None
    result = unify(
        config,
        con,
        engine=str(body.get("engine", "fast")),
        guards=guards,
        key_masks=body.get("key_masks"),
        **flags,
    )
    return result.as_dict()
