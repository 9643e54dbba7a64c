"""``cdpo server``: the local Digdag runtime over Digdag's REST API, and its warehouse over TD's
REST v3, so that Digdag clients and cdpo's ``td`` target can drive a local cdpo over HTTP.
"""

from __future__ import annotations

from cdpo.server.app import DEFAULT_HOST, DEFAULT_PORT, ApiServer, ServerApp

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ApiServer", "ServerApp"]
