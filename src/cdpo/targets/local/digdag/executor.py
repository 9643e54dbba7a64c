"""Run a workflow's task tree as Digdag does: states, parameter scoping, concurrency and hooks.

Semantics reproduced (https://docs.digdag.io/workflow_definition.html, /concepts.html):
siblings run in order; ``_parallel: true|{limit: N}`` runs a group's direct children together;
``_background: true`` runs a task alongside its previous siblings; ``_retry: N|{limit, interval,
interval_type}`` reruns a task (a group from its first child); ``_error`` tasks run after a failure
with ``${error.message}``; ``_check`` tasks run after a success; operators may generate subtasks
(``^sub``). Parameters: ``-p`` < exports and store (the later definition wins) < the task's own
keys; built-ins cannot be overridden.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdpo.errors import CdpoError, ConfigError, redact
from cdpo.targets.local.digdag.context import (
    OperatorContext,
    OperatorResult,
    Recorder,
    RunSettings,
)
from cdpo.targets.local.digdag.expr import Evaluator
from cdpo.targets.local.digdag.project import Workflow
from cdpo.targets.local.digdag.tasks import LAZY_KEYS, WORKFLOW_ONLY_KEYS, TaskDef, build_task

__all__ = ["Executor", "Outcome"]

_NOT_EVALUATED = LAZY_KEYS | WORKFLOW_ONLY_KEYS | {"_export", "_type"}


@dataclass
class Outcome:
    """How a task ended and what its subtree stored (``delta``: later tasks see it)."""

    ok: bool
    delta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    canceled: bool = False
    grouped: bool = False
    """The task ran subtasks (a group, or an operator that generated some): fails as group_error."""


def _merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Merge parameter layers; nested mappings merge key by key, as Digdag's Config.merge."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = _merge(merged[key], value)
            else:
                merged[key] = value
    return merged


def _without(store: Mapping[str, Any], newer: Mapping[str, Any]) -> dict[str, Any]:
    """``store`` minus every value ``newer`` redefines (nested mappings compared key by key)."""
    kept: dict[str, Any] = {}
    for key, value in store.items():
        if key not in newer:
            kept[key] = value
        elif isinstance(value, Mapping) and isinstance(newer[key], Mapping):
            kept[key] = _without(value, newer[key])
    return kept


def _retry_policy(value: Any) -> tuple[int, float, str]:
    """``(limit, interval seconds, constant|exponential)`` of a ``_retry`` value."""
    if isinstance(value, Mapping):
        return (
            int(value.get("limit", 0)),
            float(value.get("interval", 0)),
            str(value.get("interval_type", "constant")),
        )
    return int(value or 0), 0.0, "constant"


def _parallel_limit(value: Any) -> int | None:
    """0 for sequential, None for unlimited, N for ``{limit: N}``."""
    if isinstance(value, Mapping):
        return int(value.get("limit", 0)) or None
    if isinstance(value, str):
        return None if value.strip().lower() == "true" else 0
    return None if value else 0


class Executor:
    """Runs one attempt of a workflow, reporting through a ``Recorder``; thread-safe per attempt."""

    def __init__(
        self,
        workflow: Workflow,
        settings: RunSettings,
        recorder: Recorder,
        operators: Mapping[str, Any],
        evaluator: Evaluator | None = None,
    ) -> None:
        self.workflow = workflow
        self.settings = settings
        self.recorder = recorder
        self.operators = operators
        self.evaluator = evaluator or Evaluator(settings.secrets)
        self.cancel = threading.Event()

    def run(self) -> Outcome:
        """Run the workflow to its end (or until ``cancel`` is set)."""
        root = self.workflow.root
        task_id = self.recorder.ensure_task(root.name, None, _plain(root.config), [])
        return self.run_task(root, root.name, task_id, {}, {}, self.workflow.file)

    # -- one task -----------------------------------------------------------------------------

    def run_task(
        self,
        task: TaskDef,
        full_name: str,
        task_id: int,
        export: dict[str, Any],
        store: dict[str, Any],
        file: Any,
    ) -> Outcome:
        """Run ``task`` (retrying per ``_retry``) then its ``_error`` or ``_check`` hooks."""
        if self.cancel.is_set():
            return self._finish(task_id, full_name, Outcome(False, canceled=True), "canceled")
        resumed = self.recorder.resumed_store(full_name)
        if resumed is not None:
            return self._finish(task_id, full_name, Outcome(True, resumed), "success")
        limit, interval, kind = _retry_policy(task.config.get("_retry"))
        attempt = 0
        while True:
            self._event("started", full_name, None)
            self.recorder.set_state(task_id, "running")
            outcome, scope = self._run_once(task, full_name, task_id, export, store, file)
            if outcome.ok or outcome.canceled or attempt >= limit:
                break
            attempt += 1
            delay = interval * (2 ** (attempt - 1) if kind == "exponential" else 1)
            self.recorder.log(
                task_id, f"retrying ({attempt}/{limit}) in {delay:g}s: {outcome.error}"
            )
            waiting = "retry_waiting" if task.operator else "group_retry_waiting"
            self.recorder.set_state(task_id, waiting, error=outcome.error)
            if self.cancel.wait(delay * self.settings.retry_interval_scale):
                break
        return self._after(task, full_name, task_id, outcome, scope, store, file)

    def _after(
        self,
        task: TaskDef,
        full_name: str,
        task_id: int,
        outcome: Outcome,
        scope: dict[str, Any],
        store: dict[str, Any],
        file: Any,
    ) -> Outcome:
        """Run ``_check`` after a success or ``_error`` after a failure, then settle the state."""
        hook = "_check" if outcome.ok else "_error"
        body = task.config.get(hook)
        if isinstance(body, Mapping) and not outcome.canceled and not self.cancel.is_set():
            error = {"message": outcome.error or "", "task_name": full_name}
            hook_export = scope if outcome.ok else {**scope, "error": error}
            hook_store = _merge(store, outcome.delta)
            result = self._run_child(
                build_task(f"^{hook[1:]}", body),
                f"{full_name}^{hook[1:]}",
                task_id,
                hook_export,
                hook_store,
                file,
            )
            if outcome.ok and not result.ok:
                outcome = Outcome(
                    False, outcome.delta, f"{hook} failed: {result.error}", grouped=True
                )
            elif outcome.ok:
                outcome.delta = _merge(outcome.delta, result.delta)
        if outcome.ok:
            state = "success"
        elif outcome.canceled:
            state = "canceled"
        else:
            state = "group_error" if outcome.grouped or task.operator is None else "error"
        return self._finish(task_id, full_name, outcome, state)

    def _finish(self, task_id: int, full_name: str, outcome: Outcome, state: str) -> Outcome:
        self.recorder.set_state(task_id, state, error=outcome.error, store=outcome.delta)
        detail = state if state in {"success", "canceled"} else outcome.error or state
        self._event("ended", full_name, detail)
        return outcome

    def _event(self, kind: str, full_name: str, detail: str | None) -> None:
        """Tell ``on_event`` (the CLI's live view): ``started``, or ``ended`` with the state or error."""
        if self.settings.on_event is not None:
            self.settings.on_event(kind, full_name, detail)

    def _run_once(
        self,
        task: TaskDef,
        full_name: str,
        task_id: int,
        export: dict[str, Any],
        store: dict[str, Any],
        file: Any,
    ) -> tuple[Outcome, dict[str, Any]]:
        """One try of the task; returns its outcome and the exports its children and hooks see."""
        try:
            export, config, store = self._evaluate(task, full_name, export, store)
            if task.operator is None:
                return self._run_children(task, full_name, task_id, export, store, file), export
            result = self._operate(task, full_name, task_id, config, file)
        except CdpoError as error:
            message = self._scrub(error.message)
            self.recorder.log(task_id, f"error: {message}")
            return Outcome(False, error=message, canceled=self.cancel.is_set()), export
        except Exception as error:  # an operator bug must not kill the attempt's bookkeeping
            self.recorder.log(task_id, self._scrub(traceback.format_exc()))
            message = self._scrub(f"{type(error).__name__}: {error}")
            return Outcome(False, error=message, canceled=self.cancel.is_set()), export
        if self.cancel.is_set():
            return Outcome(False, result.store, "killed", canceled=True), export
        if result.subtasks is None:
            return Outcome(True, dict(result.store)), export
        self.recorder.set_state(task_id, "planned")
        sub = self._run_child(
            build_task("^sub", result.subtasks),
            f"{full_name}^sub",
            task_id,
            _merge(export, result.export),
            _merge(_without(store, result.export), result.store),
            result.workflow_file or file,
        )
        delta = _merge(result.store, sub.delta)
        return Outcome(sub.ok, delta, sub.error, sub.canceled, grouped=True), export

    def _evaluate(
        self, task: TaskDef, full_name: str, export: dict[str, Any], store: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Evaluate ``_export`` then the task's own keys.

        Returns the exports its children see, its configuration, and the store its subtree sees:
        export and store params have one priority and the later definition wins (Digdag concepts,
        "export and store parameters"), so this task's own ``_export`` hides older stored values.
        """
        builtins = {**self.settings.builtins, "task_name": full_name}
        base = _merge(self.settings.params, export, store)
        own_export = task.config.get("_export") or {}
        if own_export:
            if not isinstance(own_export, Mapping):
                raise ConfigError(
                    "_export must be a mapping", file=self._relative(task.file), line=task.line
                )
            evaluated = self._render(own_export, _merge(base, builtins), task)
            export = _merge(export, evaluated)
            store = _without(store, evaluated)
            base = _merge(self.settings.params, export, store)
        local_raw = {
            k: v
            for k, v in task.config.items()
            if k not in _NOT_EVALUATED and not k.startswith("+")
        }
        # The task's own plain values are visible to its own ${...} (``v: 1`` then ``echo>: ${v}``).
        plain = {k: v for k, v in local_raw.items() if not (isinstance(v, str) and "${" in v)}
        local = self._render(local_raw, _merge(base, plain, builtins), task)
        return export, _merge(base, local, builtins), store

    def _render(
        self, value: Mapping[str, Any], params: dict[str, Any], task: TaskDef
    ) -> dict[str, Any]:
        try:
            return dict(self.evaluator.render_value(value, params))
        except ConfigError as error:
            raise ConfigError(
                error.problem,
                file=self._relative(task.file),
                line=task.line,
                field=task.name,
                hint=error.hint,
            ) from None

    def _scrub(self, text: str) -> str:
        """``text`` without secrets: TD keys and every ``${secret:...}`` value handed out."""
        return redact(text, self.evaluator.revealed)

    def _relative(self, file: str | None) -> str | None:
        """A task's file as the user wrote it: relative to the project, not the pushed copy."""
        if file is None:
            return None
        path = Path(file)
        try:
            return str(path.relative_to(self.settings.project_dir))
        except ValueError:
            return file

    def _operate(
        self, task: TaskDef, full_name: str, task_id: int, config: dict[str, Any], file: Any
    ) -> OperatorResult:
        operator = self.operators.get(task.operator or "")
        if operator is None:
            raise ConfigError(
                f"unsupported operator '{task.operator}>'",
                file=self._relative(task.file),
                line=task.line,
            )
        self.recorder.log(
            task_id, self._scrub(f"{task.operator}>: {_short(config.get('_command'))}")
        )
        ctx = OperatorContext(
            task_name=full_name,
            command=config.get("_command"),
            config=config,
            raw=task.config,
            settings=self.settings,
            evaluator=self.evaluator,
            cancel=self.cancel,
            workflow_file=file,
            log=lambda text: self.recorder.log(task_id, self._scrub(text)),
        )
        return operator.run(ctx)

    # -- children -----------------------------------------------------------------------------

    def _run_child(
        self,
        task: TaskDef,
        full_name: str,
        parent_id: int,
        export: dict[str, Any],
        store: dict[str, Any],
        file: Any,
    ) -> Outcome:
        child_id = self.recorder.ensure_task(full_name, parent_id, _plain(task.config), [])
        return self.run_task(task, full_name, child_id, export, store, file)

    def _run_children(
        self,
        task: TaskDef,
        full_name: str,
        task_id: int,
        export: dict[str, Any],
        store: dict[str, Any],
        file: Any,
    ) -> Outcome:
        children = task.children
        if not children:
            return Outcome(True)
        limit = _parallel_limit(task.config.get("_parallel"))
        ids: list[int] = []
        upstreams: list[list[int]] = []
        for index, child in enumerate(children):
            ups = [] if limit != 0 or child.config.get("_background") else list(range(index))
            upstreams.append(ups)
            ids.append(
                self.recorder.ensure_task(
                    f"{full_name}{child.name}", task_id, _plain(child.config), [ids[u] for u in ups]
                )
            )
        self.recorder.set_state(task_id, "planned")
        plan = _Plan(children, upstreams, ids, full_name, export, store, file)
        if limit == 0 and not any(c.config.get("_background") for c in children):
            return self._sequential(plan)
        return self._concurrent(plan, limit)

    def _sequential(self, plan: _Plan) -> Outcome:
        delta: dict[str, Any] = {}
        for index, child in enumerate(plan.children):
            outcome = self.run_task(
                child,
                plan.name(index),
                plan.ids[index],
                plan.export,
                _merge(plan.store, delta),
                plan.file,
            )
            delta = _merge(delta, outcome.delta)
            if not outcome.ok:
                self._cancel_rest(plan, range(index + 1, len(plan.children)))
                return Outcome(False, delta, outcome.error, outcome.canceled)
        return Outcome(True, delta)

    def _concurrent(self, plan: _Plan, limit: int | None) -> Outcome:
        outcomes: dict[int, Outcome] = {}
        running: dict[Future[Outcome], int] = {}
        pending = list(range(len(plan.children)))
        workers = limit or len(plan.children)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while pending or running:
                for index in list(pending):
                    ups = plan.upstreams[index]
                    if (
                        any(u in outcomes and not outcomes[u].ok for u in ups)
                        or self.cancel.is_set()
                    ):
                        pending.remove(index)
                    elif all(u in outcomes for u in ups) and len(running) < workers:
                        pending.remove(index)
                        store = _merge(plan.store, *(outcomes[u].delta for u in ups))
                        future = pool.submit(
                            self.run_task,
                            plan.children[index],
                            plan.name(index),
                            plan.ids[index],
                            plan.export,
                            store,
                            plan.file,
                        )
                        running[future] = index
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    outcomes[running.pop(future)] = future.result()
        self._cancel_rest(plan, [i for i in range(len(plan.children)) if i not in outcomes])
        delta = _merge(*(outcomes[i].delta for i in sorted(outcomes)))
        failed = [outcomes[i] for i in sorted(outcomes) if not outcomes[i].ok]
        if failed or len(outcomes) < len(plan.children):
            first = failed[0] if failed else Outcome(False, canceled=True)
            return Outcome(False, delta, first.error, first.canceled)
        return Outcome(True, delta)

    def _cancel_rest(self, plan: _Plan, indexes: Any) -> None:
        """Tasks that will never start: ``canceled`` when killed, else left ``blocked`` (Digdag)."""
        if self.cancel.is_set():
            for index in indexes:
                self.recorder.set_state(plan.ids[index], "canceled")


@dataclass
class _Plan:
    children: list[TaskDef]
    upstreams: list[list[int]]
    ids: list[int]
    prefix: str
    export: dict[str, Any]
    store: dict[str, Any]
    file: Any

    def name(self, index: int) -> str:
        return f"{self.prefix}{self.children[index].name}"


def _plain(config: Mapping[str, Any]) -> dict[str, Any]:
    """A task's configuration as plain JSON-able data, for the store."""
    return {k: v for k, v in config.items() if not k.startswith("+")}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
