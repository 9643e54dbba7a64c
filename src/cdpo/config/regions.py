"""Treasure Data regions and their API hosts: REST (``/v3``), workflow (Digdag REST) and CDP.

Hosts from td-apis-digdag-and-peers.md: the workflow host is ``api-workflow.*`` (td toolbelt's
``workflow.rb`` derives it from the REST host), the CDP API host is ``api-cdp.*``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REGIONS", "RegionHosts"]


@dataclass(frozen=True)
class RegionHosts:
    """The three base URLs cdpo talks to in one TD region."""

    api: str
    workflow: str
    cdp: str


def _hosts(domain: str, region: str = "") -> RegionHosts:
    infix = f".{region}" if region else ""
    return RegionHosts(
        api=f"https://api{infix}.{domain}",
        workflow=f"https://api-workflow{infix}.{domain}",
        cdp=f"https://api-cdp{infix}.{domain}",
    )


REGIONS: dict[str, RegionHosts] = {
    "us": _hosts("treasuredata.com"),
    "eu01": _hosts("treasuredata.com", "eu01"),
    "jp": _hosts("treasuredata.co.jp"),
    "ap02": _hosts("treasuredata.com", "ap02"),
    "ap03": _hosts("treasuredata.com", "ap03"),
}
"""Region name → hosts; the names are the ``td.region`` values pipeline.yml accepts."""
