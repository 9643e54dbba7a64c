"""ID unification: TD's algorithm and output tables from unify.yml, exact, fast and guarded.

``unify(config, con)`` runs it on a DuckDB connection; ``serve_workflow_call(body, con)`` answers
the local runtime's ``http_call>`` to TD's ``unifications/workflow_call``; ``load_unify_config``
validates unify.yml; ``canonical_id`` is TD's id encoding and ``mask_from_td_id`` recovers a TD
unification's per-key mask (pass them as ``unify(..., key_masks=)`` for TD-identical ids);
``Guards`` configures the over-merge guards; ``label_components`` is the fast path's
connected-components step on its own.
"""

from __future__ import annotations

from cdpo.unify.api import serve_workflow_call
from cdpo.unify.canonical import canonical_id, mask_from_td_id
from cdpo.unify.config import UnifyConfig, load_unify_config
from cdpo.unify.engine import ENGINES, unify
from cdpo.unify.fast import label_components
from cdpo.unify.guards import (
    BLOCKED_VALUE_DEFAULTS,
    ComponentAlarm,
    ExcludedValue,
    Guards,
    blocked_patterns_for,
)
from cdpo.unify.result import IdResult, UnifyResult

__all__ = [
    "BLOCKED_VALUE_DEFAULTS",
    "ENGINES",
    "ComponentAlarm",
    "ExcludedValue",
    "Guards",
    "IdResult",
    "UnifyConfig",
    "UnifyResult",
    "blocked_patterns_for",
    "canonical_id",
    "label_components",
    "load_unify_config",
    "mask_from_td_id",
    "serve_workflow_call",
    "unify",
]
