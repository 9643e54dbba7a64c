"""Secrets a generated project references (``${secret:name}``) that its target does not have.

``wf push`` does not check secrets; a missing one only fails a task at run time (spec §1.5 VERIFY,
§5.3). So DEPLOY compares the references with the names the target holds and, for each missing
one, says the command that sets it: ``td wf secrets --set`` on TD, an environment variable locally.
Only names are handled here, never values.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cdpo.targets import Target

__all__ = ["missing_secrets", "secret_command"]

_REFERENCE = re.compile(r"\$\{secret:([A-Za-z0-9_.\-]+)\}")
# On TD, td.apikey is provided to every project; locally it is TD_API_KEY (runner.py ``_secret``).
_TD_APIKEY = "td.apikey"


def referenced_secrets(project_dir: Path) -> set[str]:
    """Every ``${secret:name}`` in the project's ``.dig``, ``.yml`` and ``.sql`` files."""
    names: set[str] = set()
    for path in Path(project_dir).rglob("*"):
        if path.suffix in {".dig", ".yml", ".yaml", ".sql"} and path.is_file():
            names |= set(_REFERENCE.findall(path.read_text(encoding="utf-8")))
    return names


def _local_env_name(name: str) -> str:
    # The local runtime's convention (targets/local/runner.py ``_secret``).
    return "CDPO_SECRET_" + name.upper().replace(".", "_").replace("-", "_")


def missing_secrets(target: Target, project_dir: Path, project: str) -> list[str]:
    """Referenced secret names the target will not resolve, sorted."""
    wanted = referenced_secrets(project_dir)
    if target.name == "local":
        if "TD_API_KEY" in os.environ:
            wanted.discard(_TD_APIKEY)
        return sorted(n for n in wanted if _local_env_name(n) not in os.environ)
    return sorted(wanted - set(target.secrets(project)) - {_TD_APIKEY})


def secret_command(target: Target, project: str, name: str, endpoint: str = "") -> str:
    """The command that sets secret ``name`` for ``project`` on ``target``.

    Example:
        >>> from cdpo.targets.fake import FakeTarget
        >>> secret_command(FakeTarget(), "ingestion", "shop.api_key", "https://api.treasuredata.com")
        'td -e https://api.treasuredata.com wf secrets --project ingestion --set shop.api_key'
    """
    if target.name == "local":
        return f"export {_local_env_name(name)}=..."
    return f"td -e {endpoint} wf secrets --project {project} --set {name}".replace("-e  ", "")
