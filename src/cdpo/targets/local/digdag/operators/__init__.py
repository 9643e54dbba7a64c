"""The operator registry: operator name (``td`` for ``td>:``) → operator object.

Adding an operator: write a class with ``run(ctx) -> OperatorResult`` (and optionally
``check(task, workflow, project) -> list[ConfigError]``) in one of these modules and add it to
that module's mapping; ``check``/``push`` then accept it.
"""

from __future__ import annotations

from typing import Any

from cdpo.targets.local.digdag.operators.control import CONTROL_OPERATORS
from cdpo.targets.local.digdag.operators.http import HTTP_OPERATORS
from cdpo.targets.local.digdag.operators.shell import SHELL_OPERATORS
from cdpo.targets.local.digdag.operators.td import TD_OPERATORS

__all__ = ["OPERATORS"]

OPERATORS: dict[str, Any] = {
    **CONTROL_OPERATORS,
    **SHELL_OPERATORS,
    **TD_OPERATORS,
    **HTTP_OPERATORS,
}
