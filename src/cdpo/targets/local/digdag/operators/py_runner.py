"""Runs one ``py>`` task in a child Python process, with Digdag's ``digdag`` module installed.

Reproduces digdag's ``digdag-standards/.../py/runner.py``: ``py>: pkg.mod.Class.method`` imports
``pkg.mod``, instantiates ``Class`` and calls ``method``; arguments are taken from the params by
name. ``digdag.env`` offers ``params``, ``store(dict)``, ``export(dict)`` and ``add_subtask``.
Usage: ``python py_runner.py IN.json OUT.json`` from the project directory.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import traceback
import types
from typing import Any


class Env:
    """``digdag.env`` as digdag's runner defines it."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.state_params: dict[str, Any] = {}
        self.store_params: dict[str, Any] = {}
        self.export_params: dict[str, Any] = {}
        self.subtask_config: dict[str, Any] = {}
        self.subtask_index = 0

    def set_state(self, params: dict[str, Any] | None = None, **kwds: Any) -> None:
        self.state_params.update(params or {}, **kwds)

    def export(self, params: dict[str, Any] | None = None, **kwds: Any) -> None:
        self.export_params.update(params or {}, **kwds)

    def store(self, params: dict[str, Any] | None = None, **kwds: Any) -> None:
        self.store_params.update(params or {}, **kwds)

    def add_subtask(self, function: Any = None, **params: Any) -> None:
        if function is not None and not isinstance(function, dict):
            config = dict(params)
            config["py>"] = f"{function.__module__}.{function.__qualname__}"
        else:
            config = dict(function or {}, **params)
        self.subtask_index += 1
        self.subtask_config[f"+subtask{self.subtask_index}"] = config


def _target(command: str) -> tuple[Any, bool]:
    """The callable named by ``command`` and whether it is a method of a class to instantiate."""
    parts = command.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError as error:
            if error.name and ".".join(parts[:split]).startswith(error.name):
                continue
            raise
        obj: Any = module
        for attr in parts[split:-1]:
            obj = getattr(obj, attr)
        if inspect.isclass(obj):
            return getattr(obj(), parts[-1]), True
        return getattr(obj, parts[-1]), False
    raise ModuleNotFoundError(f"no module found for py>: {command}")


def _call(function: Any, params: dict[str, Any]) -> Any:
    signature = inspect.signature(function)
    kwargs: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind is parameter.VAR_KEYWORD:
            kwargs.update({k: v for k, v in params.items() if k not in kwargs})
        elif name in params:
            kwargs[name] = params[name]
        elif (
            parameter.default is parameter.empty and parameter.kind is not parameter.VAR_POSITIONAL
        ):
            raise TypeError(f"py>: argument '{name}' has no value in the params")
    return function(**kwargs)


def main(source: str, target: str) -> int:
    with open(source, encoding="utf-8") as handle:
        request = json.load(handle)
    env = Env(request["params"])
    module = types.ModuleType("digdag")
    module.env = env  # type: ignore[attr-defined]
    sys.modules["digdag"] = module
    sys.path.insert(0, request["cwd"])
    result: dict[str, Any] = {}
    try:
        _call(_target(request["command"])[0], env.params)
    except BaseException as error:  # report every failure of user code to the parent
        result["error"] = f"{type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc()
    result.update(
        store=env.store_params, export=env.export_params, subtasks=env.subtask_config or None
    )
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
