"""``${...}`` templates: JavaScript evaluated by an embedded V8 (mini-racer), as Digdag does.

Digdag evaluates each ``${expr}`` as JavaScript over the task's merged parameters, with moment.js
loaded, and stringifies the result into the surrounding text (digdag-core ConfigEvalEngine,
https://docs.digdag.io/workflow_definition.html#using-variables). ``${secret:name}`` reads a secret.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import operator
import re
import threading
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from cdpo.errors import ConfigError, did_you_mean

__all__ = ["Evaluator", "find_templates"]

# Defines __cdpo_eval(params, expr): evaluate expr with params as variables, Digdag-stringified.
_EVAL_JS = r"""
function __cdpo_eval(paramsJson, expr) {
  var params = JSON.parse(paramsJson);
  var fn = new Function("__p", "with (__p) { return (" + expr + "\n); }");
  var value = fn(params);
  if (value === undefined || value === null) { return value === null ? "null" : ""; }
  if (typeof value === "string") { return value; }
  if (moment.isMoment(value)) { return value.format(); }
  if (typeof value === "object") { return JSON.stringify(value); }
  return String(value);
}
"""


def find_templates(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, expression)`` of each ``${...}`` in ``text``; braces and quotes nest.

    Example:
        >>> find_templates("a ${x} b ${JSON.stringify({k: '}'})}")
        [(2, 6, 'x'), (9, 36, "JSON.stringify({k: '}'})")]
    """
    found: list[tuple[int, int, str]] = []
    start = text.find("${")
    while start >= 0:
        depth, quote, i = 1, "", start + 2
        while i < len(text) and depth:
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"`":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            i += 1
        if depth:
            raise ConfigError(f"unclosed '${{' in {text!r}", hint="Close it with '}'.")
        found.append((start, i, text[start + 2 : i - 1]))
        start = text.find("${", i)
    return found


_V8_LOCK = threading.Lock()
"""Guards the process's one V8 context: V8 isolates are single-threaded."""
_v8_context: Any = None


def _v8() -> Any:
    """The process's V8 context with moment.js and ``__cdpo_eval``, created at first use.

    Creating it costs a few hundred milliseconds, and most attempts read their ``${...}`` in
    Python (``_plain_reference``), so it waits for the first expression that needs JavaScript.
    One context serves every ``Evaluator`` of the process (``require>`` runs attempts in the
    worker's process): ``__cdpo_eval`` keeps no state between calls. Call under ``_V8_LOCK``.
    """
    global _v8_context
    if _v8_context is None:
        from py_mini_racer import MiniRacer

        js = MiniRacer()
        js.eval(resources.files(__package__).joinpath("moment.js").read_text("utf-8"))
        js.eval(_EVAL_JS)
        atexit.register(_keep_to_the_end, js)
        _v8_context = js
    return _v8_context


def _keep_to_the_end(js: Any) -> None:
    """Never free the context: mini-racer 0.14 crashes (SIGSEGV) freeing one at interpreter exit,
    whether closed by an exit hook or finalised at teardown; the OS reclaims it with the process.
    """
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(js))


class Evaluator:
    """Renders ``${...}``: plain references in Python, the rest in the process's V8 context.

    ``secrets`` resolves ``${secret:name}``; it raises ``KeyError`` for an unknown secret.
    """

    def __init__(self, secrets: Callable[[str], str] | None = None) -> None:
        self._secrets = secrets
        self.revealed: set[str] = set()
        """Secret values handed out so far: logs and errors are scrubbed of them."""

    def eval_js(self, expression: str, params: Mapping[str, Any]) -> str:
        """Evaluate one JavaScript expression over ``params``; the result as Digdag stringifies it.

        Raises:
            ConfigError: the expression fails (undefined variable, syntax error, moment error).
        """
        from py_mini_racer import JSEvalException

        payload = json.dumps(params, default=str)
        with _V8_LOCK:
            try:
                return str(_v8().call("__cdpo_eval", payload, expression))
            except JSEvalException as error:
                raise ConfigError(
                    f"cannot evaluate ${{{expression}}}: {_js_message(error, params)}",
                    hint=_hint_for(error),
                ) from None

    @staticmethod
    def prepare() -> None:
        """Create the V8 context now (a standby worker warms it before its attempt arrives)."""
        with _V8_LOCK:
            _v8()

    def render(self, text: str, params: Mapping[str, Any]) -> str:
        """``text`` with every ``${...}`` replaced by its value."""
        parts: list[str] = []
        last = 0
        for start, end, expression in find_templates(text):
            parts.append(text[last:start])
            parts.append(self._value(expression.strip(), params))
            last = end
        parts.append(text[last:])
        return "".join(parts)

    def render_value(self, value: Any, params: Mapping[str, Any]) -> Any:
        """Render every string inside a YAML value (mappings and lists recursively)."""
        if isinstance(value, str):
            return self.render(value, params) if "${" in value else value
        if isinstance(value, Mapping):
            return {k: self.render_value(v, params) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render_value(v, params) for v in value]
        return value

    def _value(self, expression: str, params: Mapping[str, Any]) -> str:
        if expression.startswith("secret:"):
            name = expression[len("secret:") :].strip()
            if self._secrets is None:
                raise ConfigError(f"secret '{name}' is not set", hint=_SECRET_HINT)
            try:
                value = self._secrets(name)
                self.revealed.add(value)
                return value
            except KeyError:
                raise ConfigError(f"secret '{name}' is not set", hint=_SECRET_HINT) from None
        plain = _plain_reference(expression, params)
        if plain is None:
            plain = _plain_condition(expression, params)
        return plain if plain is not None else self.eval_js(expression, params)


_REFERENCE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_MAX_EXACT_INT = 2**53  # JavaScript numbers are doubles: larger integers print differently


def _plain_reference(expression: str, params: Mapping[str, Any]) -> str | None:
    """``a.b.c`` read straight from ``params`` when JavaScript would print the same text.

    Most ``${...}`` are such references; V8 costs a JSON round trip of every parameter per call.
    None (evaluate in V8) for anything else: a name that is not a parameter, a missing key, a
    float, an integer beyond 2**53, keys that JavaScript would reorder.
    """
    if not _REFERENCE.fullmatch(expression):
        return None
    value = _resolve(expression, params)
    if value is _MISSING:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return (
            json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            if _plain_json(value)
            else None
        )
    return _plain_scalar(value)


def _resolve(reference: str, params: Mapping[str, Any]) -> Any:
    """The value ``a.b.c`` names in ``params``; ``_MISSING`` when a step is not a mapping key."""
    value: Any = params
    for name in reference.split("."):
        if not isinstance(value, dict) or name not in value:
            return _MISSING
        value = value[name]
    return value


_MISSING = object()
_COMPARISON = re.compile(
    rf"\s*({_REFERENCE.pattern})\s*(===|!==|==|!=|<=|>=|<|>)\s*"
    r"(0|-?[1-9][0-9]{0,14}|'[\w .-]*'|\"[\w .-]*\")\s*"
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "===": operator.eq, "!=": operator.ne, "!==": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


def _plain_condition(expression: str, params: Mapping[str, Any]) -> str | None:
    """``a.b == 0 || c == 'full'`` decided in Python when JavaScript could not decide otherwise.

    Each comparison must set a parameter against a literal of its own type: an integer (within
    2**53) against an integer, or a string against a quoted word for (in)equality, so no
    coercion happens. ``&&`` binds tighter than ``||``, as in JavaScript; anything else: None.
    """
    decided = False
    for disjunct in expression.split("||"):
        conjunction = True
        for atom in disjunct.split("&&"):
            match = _COMPARISON.fullmatch(atom)
            if match is None:
                return None
            reference, op, literal = match.groups()
            value = _resolve(reference, params)
            if literal[0] in "'\"":
                if type(value) is not str or op not in ("==", "===", "!=", "!=="):
                    return None
                other: Any = literal[1:-1]
            elif type(value) is int and abs(value) <= _MAX_EXACT_INT:
                other = int(literal)
            else:
                return None
            conjunction = _COMPARE[op](value, other) and conjunction
        decided = decided or conjunction
    return "true" if decided else "false"


def _plain_scalar(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) is int and abs(value) <= _MAX_EXACT_INT:
        return str(value)
    return None


def _plain_json(value: Any) -> bool:
    """True when ``json.dumps`` prints ``value`` as JSON.stringify would."""
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    if isinstance(value, dict):  # JavaScript lists integer-like keys first
        return all(
            isinstance(k, str) and not k.isdigit() and _plain_json(v) for k, v in value.items()
        )
    return _plain_scalar(value) is not None


_SECRET_HINT = (
    "Set it in the environment as CDPO_SECRET_<NAME> (dots become underscores, upper case), "
    "e.g. CDPO_SECRET_MYSQL_PASSWORD for ${secret:mysql.password}."
)


def _js_message(error: Exception, params: Mapping[str, Any]) -> str:
    """The JavaScript error line (``ReferenceError: x is not defined``), plus a close name."""
    match = re.search(r"(\w*Error: [^\n]*)", str(error))
    message = match.group(1) if match else str(error).strip().splitlines()[-1]
    undefined = re.match(r"ReferenceError: (\S+) is not defined", message)
    if undefined:
        message += did_you_mean(undefined.group(1), params).replace(" Did", ".  Did")
    return message


def _hint_for(error: Exception) -> str:
    if "is not defined" in str(error):
        return "Define it with _export, with -p name=value, or store it from an earlier task."
    return "Digdag ${...} expressions are JavaScript; moment(session_time) helpers are available."
