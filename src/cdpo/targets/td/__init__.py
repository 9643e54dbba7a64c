"""The ``td`` target: Treasure Data's Workflow (hosted Digdag) and REST v3 APIs over httpx.

- ``TdTarget``: the ``Target`` interface; ``TdTarget.for_pipeline(pipeline, root)`` for pipeline.yml.
- ``WorkflowClient`` and ``V3Client``: one method per REST call, over a ``Transport`` that bounds
  every call with a timeout, retries idempotent calls with backoff and jitter, and types errors.
- ``build_archive``: the tar.gz ``digdag push`` would upload, with a content-hash revision.
- The API key comes only from ``TD_API_KEY`` and is scrubbed from every log record and error.
"""

from __future__ import annotations

from cdpo.targets.td.archive import ProjectArchive, build_archive
from cdpo.targets.td.auth import API_KEY_ENV, RedactingFilter, api_key_from_env
from cdpo.targets.td.target import TdTarget
from cdpo.targets.td.transport import NO_RETRY_DELAY, RetryPolicy, Transport
from cdpo.targets.td.v3 import V3Client
from cdpo.targets.td.workflow import OnConflict, WorkflowClient

__all__ = [
    "API_KEY_ENV",
    "NO_RETRY_DELAY",
    "OnConflict",
    "ProjectArchive",
    "RedactingFilter",
    "RetryPolicy",
    "TdTarget",
    "Transport",
    "V3Client",
    "WorkflowClient",
    "api_key_from_env",
    "build_archive",
]
