"""TD's loop: do_not_merge_key (TD's p6 example), the iteration cap, and the engine switch."""

from __future__ import annotations

import duckdb
import pytest

from cdpo.errors import ConfigError, WorkflowError
from cdpo.unify import Guards, canonical_id, unify
from cdpo.unify.canonical import mask_from_td_id

from .conftest import rows, write_table

P6 = {
    "name": "ex4",
    "keys": [{"name": "member_id"}, {"name": "email"}],
    "tables": [
        {
            "database": "ex4",
            "table": "site_aaa",
            "key_columns": [
                {"column": "member_id", "key": "member_id"},
                {"column": "email", "key": "email"},
            ],
        }
    ],
    "canonical_ids": [
        {
            "name": "person_id",
            "merge_by_keys": ["member_id", "email"],
            "merge_iterations": 3,
            "do_not_merge_key": "member_id",
        }
    ],
}


def _p6(con: duckdb.DuckDBPyConnection) -> None:
    write_table(
        con,
        "ex4.site_aaa",
        "time BIGINT, member_id BIGINT, email VARCHAR, tel VARCHAR",
        [
            (1, 1, "a@ex.com", "1111"),
            (2, 2, "a@ex.com", "2222"),
            (3, 3, "b@ex.com", "3333"),
            (4, 3, "b@ex.com", "4444"),
            (5, None, "c@ex.com", "5555"),
            (6, None, "c@ex.com", "6666"),
        ],
    )


def test_do_not_merge_key_keeps_members_apart_as_td_documents(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # TD p6_do_not_merge: members 1 and 2 share a@ex.com but stay two profiles; a@ex.com then
    # belongs to both (two lookup rows), as cdp-academy sec07_03 shows.
    _p6(con)
    result = unify(P6, con, engine="fast", guards=Guards.off())
    assert result.id("person_id").engine == "sql"  # not a partition: the fast path cannot do it
    m1, m2, m3 = (canonical_id(str(i), 1) for i in (1, 2, 3))
    assert rows(con, "SELECT id, canonical_id FROM cdp_unification_ex4.person_id_lookup") == sorted(
        [("1", m1), ("2", m2), ("3", m3), ("a@ex.com", m1), ("a@ex.com", m2), ("b@ex.com", m3),
         ("c@ex.com", canonical_id("c@ex.com", 2))],
        key=repr,
    )  # fmt: skip
    # Rows find their profile through member_id first; a@ex.com alone would give the smaller id.
    enriched = rows(con, "SELECT time, person_id FROM cdp_unification_ex4.enriched_site_aaa")
    c = canonical_id("c@ex.com", 2)
    assert enriched == [(1, m1), (2, m2), (3, m3), (4, m3), (5, c), (6, c)]


def test_with_td_masks_the_lookup_is_the_one_td_published(con: duckdb.DuckDBPyConnection) -> None:
    # cdp-academy sec07_03 prints that unification's lookup. One id per key gives its masks; the
    # other ids (members 2 and 3, and which id each email follows) must then come out identical.
    _p6(con)
    masks = {
        "member_id": mask_from_td_id("1", "4ydklKlyPnfa").hex(),
        "email": mask_from_td_id("c@ex.com", "NEKDReELMAxH").hex(),
    }
    unify(P6, con, guards=Guards.off(), key_masks=masks)
    assert rows(con, "SELECT id, canonical_id FROM cdp_unification_ex4.person_id_lookup") == sorted(
        [("1", "4ydklKlyPnfa"), ("2", "XNKI3XAY1Hja"), ("3", "xqaWYjT4GR3a"),
         ("a@ex.com", "4ydklKlyPnfa"), ("a@ex.com", "XNKI3XAY1Hja"), ("b@ex.com", "xqaWYjT4GR3a"),
         ("c@ex.com", "NEKDReELMAxH")],
        key=repr,
    )  # fmt: skip
    with pytest.raises(ConfigError, match="not 18 hex digits"):
        unify(P6, con, key_masks={"email": "abc"})
    with pytest.raises(ConfigError, match="unknown key 'phone'"):
        unify(P6, con, key_masks={"phone": "00" * 9})


def _chain(con: duckdb.DuckDBPyConnection, links: int) -> None:
    data = [(i, f"e{i}", f"p{i}") for i in range(links)] + [
        (i, f"e{i + 1}", f"p{i}") for i in range(links)
    ]
    write_table(con, "src.chain", "time BIGINT, email VARCHAR, phone VARCHAR", data)


def _chain_config(iterations: int) -> dict[str, object]:
    return {
        "name": "chain",
        "keys": [{"name": "email"}, {"name": "phone"}],
        "tables": [
            {
                "database": "src",
                "table": "chain",
                "key_columns": [
                    {"column": "email", "key": "email"},
                    {"column": "phone", "key": "phone"},
                ],
            }
        ],
        "canonical_ids": [
            {"name": "pid", "merge_by_keys": ["email", "phone"], "merge_iterations": iterations}
        ],
    }


def test_a_loop_that_hits_its_cap_is_an_error(con: duckdb.DuckDBPyConnection) -> None:
    _chain(con, 64)
    with pytest.raises(WorkflowError) as info:
        unify(_chain_config(3), con, engine="sql", guards=Guards.off())  # TD's default cap
    assert "did not converge in 3 iterations" in str(info.value)
    assert "merge_iterations" in info.value.hint
    assert info.value.task == "+pid+unify_loop"
    tables = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'cdp_unification_chain'"
    )
    assert tables.fetchone() == (0,)  # nothing half-written


def test_long_chains_converge_in_logarithmic_iterations(con: duckdb.DuckDBPyConnection) -> None:
    _chain(con, 64)  # a path of 129 ids: a single profile
    result = unify(_chain_config(15), con, engine="sql", guards=Guards.off()).id("pid")
    assert result.profiles == 1 and result.ids == 129
    assert result.iterations <= 12 and result.changes[-1] == 0
    fast = unify(_chain_config(3), con, engine="fast", guards=Guards.off()).id("pid")
    assert (fast.profiles, fast.iterations) == (1, 0)  # exact without iterating


def test_unknown_engine_is_a_config_error(con: duckdb.DuckDBPyConnection) -> None:
    _chain(con, 2)
    with pytest.raises(ConfigError, match="unknown engine 'spark'; valid: fast, sql"):
        unify(_chain_config(3), con, engine="spark")
