"""What several phases share: writing a rendered project, the ``inc_log`` watermark table of
hist-union and staging, the sample of live values staging's classifier and unification's key
discovery read, and the time estimate of ``cdpo plan``."""

from __future__ import annotations

from cdpo.phases.common.estimate import Workload, estimate_seconds
from cdpo.phases.common.files import write_files
from cdpo.phases.common.inc_log import INC_LOG, create_inc_log_sql
from cdpo.phases.common.sample import sample_values

__all__ = [
    "INC_LOG",
    "Workload",
    "create_inc_log_sql",
    "estimate_seconds",
    "sample_values",
    "write_files",
]
