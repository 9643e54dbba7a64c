"""``open_target``: the target pipeline.yml names, imported only when asked for (dlt's factories)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError
from cdpo.targets.base import Target

__all__ = ["open_target"]


def open_target(pipeline: Any, root: Path) -> Target:
    """The ``local`` or ``td`` target of ``pipeline``, rooted at the pipeline's directory.

    Raises:
        ConfigError: the local replay mapping named in pipeline.yml does not exist.
    """
    root = Path(root)
    if pipeline.target == "local":
        from cdpo.targets.local import LocalTarget

        warehouse = root / pipeline.local.warehouse
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        replay = root / pipeline.local.replay if pipeline.local.replay else None
        if replay is not None and not replay.is_file():
            raise ConfigError(
                "the replay mapping does not exist",
                file=replay,
                field="local.replay",
                hint="Point local.replay at a YAML file mapping tables to local files.",
            )
        return LocalTarget(root, warehouse, replay=replay, compression=pipeline.local.compression)
    from cdpo.targets.td import TdTarget

    return TdTarget.for_pipeline(pipeline, root)
