"""A local target holding small staged tables, and helpers that generate the unification project
and run it on the local Digdag runtime (real DuckDB), as the orchestrator would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cdpo.phases.base import GeneratedProject, PhaseContext
from cdpo.phases.unification import UnificationPhase
from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import write_pipeline
from ..tables import create_table, run

STG, CONFIG, OUT = "northwind_stg", "northwind_config", "cdp_unification_northwind"
T0 = 1704067200
CUSTOMERS = "customer_id VARCHAR, email VARCHAR, email_std VARCHAR, phone_std VARCHAR, time BIGINT"
ORDERS = "order_id VARCHAR, customer_id VARCHAR, amount DOUBLE, time BIGINT"
EVENTS = "event_id VARCHAR, td_client_id VARCHAR, user_email VARCHAR, time BIGINT"
U1, U2, U3 = (f"{n}1111111-2222-3333-4444-555555555555" for n in "abc")


@pytest.fixture(autouse=True)
def _unification_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """TD provisions ``td.apikey`` for unification workflows; the local runtime reads TD_API_KEY.

    A dummy value: locally the ``http_call>`` is served in-process and sends nothing.
    """
    monkeypatch.setenv("TD_API_KEY", "1/" + "0" * 40)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[LocalTarget]:
    local = LocalTarget(tmp_path / "target")
    for database in (STG, CONFIG, OUT):
        local.create_database(database)
    yield local
    local.close()


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTarget]:
    """``retail_tables`` and a ``products`` table without identifiers, shared by a module's
    read-only tests (GENERATE only)."""
    local = LocalTarget(tmp_path_factory.mktemp("retail") / "target")
    for database in (STG, CONFIG, OUT):
        local.create_database(database)
    retail_tables(local)
    make_table(local, "products", "sku VARCHAR, title VARCHAR, time BIGINT", [("S1", "Tea", 1)])
    yield local
    local.close()


def make_table(target: LocalTarget, name: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """Create ``northwind_stg.<name>`` with ``columns`` (SQL) and insert ``rows``."""
    create_table(target, f"{STG}.{name}", columns, rows)


def retail_tables(target: LocalTarget) -> None:
    """Three people across three tables, linked by customer id, email and a web cookie; plus junk.

    Person A: C1, a@x.com, +15550001111, cookie U1 (web events by email). Person B: C2, b@y.org,
    orders. Person C: only a cookie U3 on the web. The noreply address and the 0000000000 phone
    are shared by A and B and must not merge them; one event carries no key at all.
    """
    make_table(target, "customers", CUSTOMERS, [
        ("C1", "a@x.com", "a@x.com", "+15550001111", T0),
        ("C2", "b@y.org", "b@y.org", "0000000000", T0 + 1),
        ("C1", "noreply@shop.com", "noreply@shop.com", "0000000000", T0 + 2),
        ("C2", "noreply@shop.com", "noreply@shop.com", None, T0 + 3),
    ])  # fmt: skip
    make_table(target, "orders", ORDERS, [
        ("O1", "C1", 10.0, T0 + 5), ("O2", "C2", 20.0, T0 + 6), ("O3", "C2", 5.0, T0 + 7),
    ])  # fmt: skip
    make_table(target, "web_events", EVENTS, [
        ("E1", U1, "a@x.com", T0 + 10),
        ("E2", U1, None, T0 + 11),
        ("E3", U3, None, T0 + 12),
        ("E4", None, None, T0 + 13),
    ])  # fmt: skip


def section(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "customer_360",
        "tables": ["customers", "orders", "web_events"],
        "id_method": "canonical_id",
        "update_strategy": "full",
    }
    return {**base, **overrides}


def context(tmp_path: Path, target: LocalTarget, **unification: Any) -> PhaseContext:
    pipeline = write_pipeline(tmp_path / "pipeline", unification=section(**unification))
    return PhaseContext(pipeline, target, tmp_path / "pipeline")


def generate(tmp_path: Path, target: LocalTarget, **unification: Any) -> GeneratedProject:
    return UnificationPhase().generate(context(tmp_path, target, **unification))


def unify_once(
    root: Path, fill: Callable[[LocalTarget], object], **unification: Any
) -> tuple[LocalTarget, GeneratedProject]:
    """A local target whose staged tables ``fill`` writes, unified once by the generated project."""
    local = LocalTarget(root / "target")
    for database in (STG, CONFIG, OUT):
        local.create_database(database)
    fill(local)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TD_API_KEY", "1/" + "0" * 40)
        project = generate(root, local, **unification)
        run(local, project)
    return local, project
