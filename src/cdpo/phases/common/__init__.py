"""What several phases share: the ``inc_log`` watermark table of hist-union and staging."""

from __future__ import annotations

from cdpo.phases.common.inc_log import INC_LOG, create_inc_log_sql

__all__ = ["INC_LOG", "create_inc_log_sql"]
