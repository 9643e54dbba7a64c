from __future__ import annotations

import cdpo


def test_front_door_exports_exactly_its_public_names() -> None:
    public = {name for name in vars(cdpo) if not name.startswith("_") or name == "__version__"}
    public -= {"errors", "targets", "cli", "printers", "annotations"}
    public = {name for name in public if not isinstance(getattr(cdpo, name), type(cdpo))}
    assert public == set(cdpo.__all__)
    assert cdpo.__all__ == sorted(cdpo.__all__)
