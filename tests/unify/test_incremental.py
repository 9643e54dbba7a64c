"""Incremental runs equal full runs on the union; persistent ids stay with their people."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from cdpo.unify import Guards, canonical_id, unify

from .conftest import rows, write_table

S = "cdp_unification_inc"
FIRST = [(1, "a@x", "p1"), (2, "b@x", "p2"), (3, "c@x", "p3"), (4, "d@x", "p4")]
# a@x meets p2 (merges the a and b profiles), e@x is new, c@x gets a second phone (no merge).
SECOND = [(5, "a@x", "p2"), (6, "e@x", "p5"), (7, "c@x", "p6")]


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "name": "inc",
        "keys": [{"name": "email"}, {"name": "phone"}],
        "tables": [
            {
                "database": "src",
                "table": "web",
                "incremental_columns": ["time"],
                "key_columns": [
                    {"column": "email", "key": "email"},
                    {"column": "phone", "key": "phone"},
                ],
            }
        ],
        "canonical_ids": [{"name": "cid", "merge_by_keys": ["email", "phone"]}],
        "persistent_ids": [{"name": "pid", "merge_by_keys": ["email", "phone"], **extra}],
    }


def _load(con: duckdb.DuckDBPyConnection, data: list[tuple[int, str, str]]) -> None:
    write_table(con, "src.web", "time BIGINT, email VARCHAR, phone VARCHAR", data)


def _profiles(con: duckdb.DuckDBPyConnection, id_name: str, kind: str) -> dict[str, frozenset[str]]:
    got: dict[str, set[str]] = {}
    for profile, member in con.execute(f"SELECT {kind}, id FROM {S}.{id_name}_lookup").fetchall():
        got.setdefault(profile, set()).add(member)
    return {p: frozenset(m) for p, m in got.items()}


@pytest.mark.parametrize("engine", ["fast", "sql"])
def test_incremental_run_equals_a_full_run_on_the_union(
    con: duckdb.DuckDBPyConnection, engine: str
) -> None:
    _load(con, FIRST)
    unify(_config(), con, engine=engine, guards=Guards.off(), run_time=100)
    before = _profiles(con, "pid", "persistent_id")
    con.executemany("INSERT INTO src.web VALUES (?, ?, ?)", SECOND)
    result = unify(
        _config(), con, engine=engine, full_refresh=False, guards=Guards.off(), run_time=200
    )
    assert {r.mode for r in result.ids} == {"incremental"}
    assert result.id("pid").source_rows == 3  # only the new rows were read
    incremental = {
        k: _profiles(con, k, kind)
        for k, kind in (("cid", "canonical_id"), ("pid", "persistent_id"))
    }

    full = duckdb.connect()
    _load(full, FIRST + SECOND)
    unify(_config(), full, engine=engine, guards=Guards.off(), run_time=200)
    assert incremental["cid"] == _profiles(full, "cid", "canonical_id")  # same partition and ids
    assert set(incremental["pid"].values()) == set(_profiles(full, "pid", "persistent_id").values())

    by_member = {m: p for p, members in before.items() for m in members}
    after = incremental["pid"]
    assert after[by_member["d@x"]] == {"d@x", "p4"}  # untouched
    assert after[by_member["c@x"]] == {"c@x", "p3", "p6"}  # grew, never merged: same id
    assert after[by_member["a@x"]] == {"a@x", "b@x", "p1", "p2"}  # merged: the oldest id wins
    assert by_member["b@x"] not in after
    assert canonical_id("a@x", 1) == by_member["a@x"]  # first run: earliest value of key 1


def test_only_new_rows_are_enriched_and_stats_follow_td(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, FIRST)
    unify(_config(), con, guards=Guards.off(), run_time=100)
    con.executemany("INSERT INTO src.web VALUES (?, ?, ?)", SECOND)
    unify(_config(), con, full_refresh=False, guards=Guards.off(), run_time=200)
    enriched = rows(con, f"SELECT time, cid FROM {S}.enriched_web")
    assert len(enriched) == 7
    old_b = canonical_id("b@x", 1)
    assert (
        2,
        old_b,
    ) in enriched  # an old row keeps the id it was enriched with (TD p7_incremental)
    assert (5, canonical_id("a@x", 1)) in enriched
    assert rows(con, f"SELECT DISTINCT time FROM {S}.cid_source_key_stats") == [
        (100,)
    ]  # full runs only
    assert rows(con, f"SELECT DISTINCT time FROM {S}.cid_result_key_stats") == [(100,), (200,)]
    assert rows(con, f"SELECT * FROM {S}.unification_watermarks") == [
        ("web", "time", "7", "BIGINT")
    ]
    # Nothing new: a third incremental run changes nothing and enriches nothing.
    unify(_config(), con, full_refresh=False, guards=Guards.off(), run_time=300)
    assert len(rows(con, f"SELECT * FROM {S}.enriched_web")) == 7


def test_a_first_incremental_run_is_a_full_one(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, FIRST)
    result = unify(_config(), con, full_refresh=False, guards=Guards.off())
    assert {r.mode for r in result.ids} == {"full"}


def test_incremental_loop_cap_is_incremental_merge_iterations(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _load(con, FIRST)
    unify(_config(), con, engine="sql", guards=Guards.off(), run_time=100)
    chain = [(10 + i, f"a{i}@x" if i % 2 else "a@x", f"q{i // 2}") for i in range(40)]
    con.executemany("INSERT INTO src.web VALUES (?, ?, ?)", chain)
    with pytest.raises(Exception, match="did not converge in 1 iterations"):
        unify(
            _config(incremental_merge_iterations=1),
            con,
            engine="sql",
            full_refresh=False,
            guards=Guards.off(),
        )


def test_incremental_debug_tables_hold_the_previous_graph_and_the_new_rows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _load(con, FIRST)
    unify(_config(), con, engine="sql", guards=Guards.off(), run_time=100)
    previous = rows(con, f"SELECT * FROM {S}.cid_graph")
    con.executemany("INSERT INTO src.web VALUES (?, ?, ?)", SECOND)
    result = unify(
        _config(), con, engine="sql", full_refresh=False, guards=Guards.off(),
        keep_debug_tables=True, run_time=200,
    )  # fmt: skip
    # TD's loop_0 of an incremental run: the previous graph's rows, then the new rows' own
    # (each value follows its row's first value; seen at the row's time, in table 1, now).
    new_rows = [
        ("a@x", 1, "a@x", 1, 5, 5, [1], 200), ("p2", 2, "a@x", 1, 5, 5, [1], 200),
        ("e@x", 1, "e@x", 1, 6, 6, [1], 200), ("p5", 2, "e@x", 1, 6, 6, [1], 200),
        ("c@x", 1, "c@x", 1, 7, 7, [1], 200), ("p6", 2, "c@x", 1, 7, 7, [1], 200),
    ]  # fmt: skip
    loop_0 = rows(con, f"SELECT * FROM {S}.cid_graph_unify_loop_0")
    assert loop_0 == sorted(previous + new_rows, key=repr)
    last = result.id("cid").iterations
    converged = rows(con, f"SELECT * FROM {S}.cid_graph_unify_loop_{last}")
    graph = rows(con, f"SELECT follower_id, follower_ns, leader_id, leader_ns FROM {S}.cid_graph")
    assert converged == graph


def test_persistent_ids_on_a_split(con: duckdb.DuckDBPyConnection) -> None:
    # One profile {a, b, c, p1}; then the rows linking b and c to a disappear.
    _load(con, [(1, "a@x", None), (2, "a@x", "p1"), (3, "b@x", "p1"), (4, "c@x", "p1")])  # type: ignore[list-item]
    unify(_config(), con, guards=Guards.off(), run_time=100)
    (old,) = _profiles(con, "pid", "persistent_id")
    assert old == canonical_id("a@x", 1)
    unify(_config(), con, guards=Guards.off(), run_time=150)  # same data, full refresh: same id
    assert set(_profiles(con, "pid", "persistent_id")) == {old}
    _load(con, [(1, "a@x", None), (3, "b@x", "p1"), (4, "c@x", "p1")])  # type: ignore[list-item]
    unify(_config(), con, guards=Guards.off(), run_time=200)
    after = _profiles(con, "pid", "persistent_id")
    # The id follows most of its old members ({b, c, p1}); a@x gets a new id, salted so that it
    # cannot repeat the old one although a@x was the old anchor.
    assert after[old] == {"b@x", "c@x", "p1"}
    (fresh,) = [p for p, m in after.items() if m == {"a@x"}]
    assert fresh != old and len(fresh) == 12
