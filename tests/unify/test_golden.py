"""Golden test: every output table of one small hand-made input, expected rows written out.

Two sources. ``web`` lists (email, phone) and ``crm`` lists (cid, email); merge priority is
cid > email > phone. Row-leaders are each row's first valid value in key_columns order: web rows
lead by email (row 8's email '' is invalid, so it leads by phone 444), crm rows by cid. Components:
{a@, b@, 111, c1, c2} (111 links a@ and b@; crm links c2-b@ and c1-a@) whose smallest row-leader
is cid c1; {y@, z@, 333} led by email y@x.com; {444} alone.
"""

from __future__ import annotations

import duckdb
import pytest

from cdpo.unify import Guards, canonical_id, unify

from .conftest import rows, write_table

CONFIG = {
    "name": "golden",
    "keys": [{"name": "email", "invalid_texts": [""]}, {"name": "phone"}, {"name": "cid"}],
    "tables": [
        {
            "database": "src",
            "table": "web",
            "key_columns": [
                {"column": "email", "key": "email"},
                {"column": "phone", "key": "phone"},
            ],
        },
        {
            "database": "src",
            "table": "crm",
            "key_columns": [{"column": "cid", "key": "cid"}, {"column": "email", "key": "email"}],
        },
    ],
    "canonical_ids": [
        {"name": "person_id", "merge_by_keys": ["cid", "email", "phone"], "merge_iterations": 10}
    ],
    "master_tables": [
        {
            "name": "customers",
            "canonical_id": "person_id",
            "attributes": [
                {"name": "name", "source_columns": [{"table": "crm", "priority": 1}]},
                {
                    "name": "emails",
                    "array_elements": 2,
                    "invalid_texts": [""],
                    "source_columns": [
                        {"table": "crm", "column": "email", "priority": 2},
                        {"table": "web", "column": "email", "priority": 1},
                    ],
                },
                {
                    "name": "first_email",
                    "invalid_texts": [""],
                    "source_columns": [{"table": "web", "column": "email", "order": "first"}],
                },
            ],
        }
    ],
}
C1, CY, C4 = canonical_id("c1", 1), canonical_id("y@x.com", 2), canonical_id("444", 3)
S = "cdp_unification_golden"


@pytest.fixture
def source(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    write_table(
        con,
        "src.web",
        "time BIGINT, email VARCHAR, phone VARCHAR",
        [
            (1, "a@x.com", "111"),
            (2, "b@x.com", "111"),
            (6, "z@x.com", "333"),
            (7, "y@x.com", "333"),
            (8, "", "444"),
        ],
    )
    write_table(
        con,
        "src.crm",
        "time BIGINT, cid VARCHAR, email VARCHAR, name VARCHAR",
        [(3, "c2", "b@x.com", "Bea"), (4, "c1", None, "Cy"), (5, "c1", "a@x.com", "Al")],
    )
    return con


GRAPH = [
    ("111", 3, "c1", 1, 1, 2, [1], 1000),
    ("333", 3, "y@x.com", 2, 6, 7, [1], 1000),
    ("444", 3, "444", 3, 8, 8, [1], 1000),
    ("a@x.com", 2, "c1", 1, 1, 5, [1, 2], 1000),
    ("b@x.com", 2, "c1", 1, 2, 3, [1, 2], 1000),
    ("c1", 1, "c1", 1, 4, 5, [2], 1000),
    ("c2", 1, "c1", 1, 3, 3, [2], 1000),
    ("y@x.com", 2, "y@x.com", 2, 7, 7, [1], 1000),
    ("z@x.com", 2, "y@x.com", 2, 6, 6, [1], 1000),
]
PROFILE_SPAN = {C1: (1, 5), CY: (6, 7), C4: (8, 8)}
CANONICAL = {"c1": C1, "y@x.com": CY, "444": C4}
LOOKUP = [
    (CANONICAL[leader], follower, ns, *PROFILE_SPAN[CANONICAL[leader]], first, last, tables, done)
    for follower, ns, leader, _, first, last, tables, done in GRAPH
]
EXPECTED = {
    "person_id_graph": GRAPH,
    "person_id_lookup": LOOKUP,
    "person_id_keys": [(1, "cid"), (2, "email"), (3, "phone")],
    "person_id_tables": [(1, "web"), (2, "crm")],
    # loop_0 totals: 7 row-leaders (a@, b@, z@, y@, 444, c2, c1); per table, the leaders of followers
    # seen in it (a@ was seen in web and follows c1 through a crm row, so web counts c1 too).
    "person_id_source_key_stats": [
        ("*", 7, 2, 4, 3, 1000),
        ("web", 7, 0, 4, 3, 1000),
        ("crm", 4, 2, 2, 0, 1000),
    ],
    "person_id_result_key_stats": [
        ("*", 3, 1, 2, 3, "0:2,2:1", "0:1,2:2", "1:3", 1000),
        ("web", 3, 1, 2, 3, "0:2,2:1", "0:1,2:2", "1:3", 1000),
        ("crm", 1, 1, 1, 1, "2:1", "2:1", "1:1", 1000),
    ],
    "person_id_excluded_values": [],
    "enriched_web": [
        (1, "a@x.com", "111", C1),
        (2, "b@x.com", "111", C1),
        (6, "z@x.com", "333", CY),
        (7, "y@x.com", "333", CY),
        (8, "", "444", C4),
    ],
    "enriched_crm": [
        (3, "c2", "b@x.com", "Bea", C1),
        (4, "c1", None, "Cy", C1),
        (5, "c1", "a@x.com", "Al", C1),
    ],
    # name: latest crm name; emails: web (priority 1) newest first, then crm, top 2; first_email: oldest.
    "customers": [
        (C1, "Al", ["b@x.com", "a@x.com"], "a@x.com"),
        (CY, None, ["y@x.com", "z@x.com"], "z@x.com"),
        (C4, None, None, None),
    ],
    "unification_metadata": [("person_id", "canonical_id")],
    "filter_lookup": [
        ("cid", None, None, []),
        ("email", [""], None, []),
        ("phone", None, None, []),
    ],
    "column_lookup": [
        ("src", "web", "email", "email"),
        ("src", "web", "phone", "phone"),
        ("src", "crm", "cid", "cid"),
        ("src", "crm", "email", "email"),
    ],
    "unification_watermarks": [],
}


@pytest.mark.parametrize("engine", ["fast", "sql"])
def test_every_output_table(source: duckdb.DuckDBPyConnection, engine: str) -> None:
    result = unify(CONFIG, source, engine=engine, guards=Guards.off(), run_time=1000)
    assert set(result.tables) == {*EXPECTED, "person_id_unify_runs"}
    for table, expected in EXPECTED.items():
        assert rows(source, f"SELECT * FROM {S}.{table}") == sorted(expected, key=repr), table
    run = result.id("person_id")
    assert (run.engine, run.mode, run.source_rows, run.ids, run.profiles, run.largest_profile) == (
        engine, "full", 8, 9, 3, 5,
    )  # fmt: skip
    assert run.histograms == {"cid": {0: 2, 2: 1}, "email": {0: 1, 2: 2}, "phone": {1: 3}}
    (logged,) = source.execute(f"SELECT * FROM {S}.person_id_unify_runs").fetchall()
    assert logged[:8] == (1000, engine, "full", 8, 9, 3, 5, run.iterations)
    if engine == "sql":
        assert run.iterations >= 2 and run.changes[-1] == 0 and run.changes[0] > 0


def test_column_order_and_types_of_the_lookup(source: duckdb.DuckDBPyConnection) -> None:
    unify(CONFIG, source, guards=Guards.off(), run_time=1000)
    described = source.execute(f"DESCRIBE {S}.person_id_lookup").fetchall()
    assert [(c[0], c[1]) for c in described] == [
        ("canonical_id", "VARCHAR"),
        ("id", "VARCHAR"),
        ("id_key_type", "BIGINT"),
        ("canonical_id_first_seen_at", "BIGINT"),
        ("canonical_id_last_seen_at", "BIGINT"),
        ("id_first_seen_at", "BIGINT"),
        ("id_last_seen_at", "BIGINT"),
        ("id_source_table_ids", "BIGINT[]"),
        ("id_last_processed_at", "BIGINT"),
    ]


def test_the_lookup_is_stored_by_key_type(con: duckdb.DuckDBPyConnection) -> None:
    # A join on one key type's ids (every enrichment) then skips the other key types' row groups.
    people = range(20_000)
    write_table(con, "src.web", "time BIGINT, email VARCHAR, phone VARCHAR",
                [(p, f"u{p * 7919 % 20_000}@x.com", f"555{p:07d}") for p in people])  # fmt: skip
    write_table(con, "src.crm", "time BIGINT, cid VARCHAR, email VARCHAR, name VARCHAR",
                [(p, f"c{p}", f"u{p}@x.com", None) for p in people])  # fmt: skip
    unify(CONFIG, con, guards=Guards.off(), run_time=1000)
    stored = [r[0] for r in con.execute(f"SELECT id_key_type FROM {S}.person_id_lookup").fetchall()]
    assert len(stored) == 60_000 and stored == sorted(stored)


def test_stats_are_appended_and_everything_else_replaced(source: duckdb.DuckDBPyConnection) -> None:
    unify(CONFIG, source, guards=Guards.off(), run_time=1000)
    unify(CONFIG, source, guards=Guards.off(), run_time=2000)
    times = rows(source, f"SELECT DISTINCT time FROM {S}.person_id_result_key_stats")
    assert times == [(1000,), (2000,)]
    assert rows(source, f"SELECT count(*) FROM {S}.person_id_source_key_stats") == [(6,)]
    assert rows(source, f"SELECT count(*) FROM {S}.person_id_lookup") == [(9,)]
    leftovers = source.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%cdpo_tmp%' "
        "OR table_name LIKE '_cdpo_u_%'"
    ).fetchall()
    assert leftovers == []


def test_debug_tables_are_kept_on_request(source: duckdb.DuckDBPyConnection) -> None:
    result = unify(CONFIG, source, engine="sql", guards=Guards.off(), keep_debug_tables=True)
    loops = sorted(t for t in result.tables if "_graph_unify_loop_" in t)
    assert loops == [
        f"person_id_graph_unify_loop_{i}" for i in range(result.id("person_id").iterations + 1)
    ]
    last = rows(source, f"SELECT follower_id, leader_id FROM {S}.{loops[-1]}")
    assert last == sorted(((f, lead) for f, _, lead, *_ in GRAPH), key=repr)


def test_a_failed_run_keeps_the_previous_outputs(source: duckdb.DuckDBPyConnection) -> None:
    unify(CONFIG, source, guards=Guards.off(), run_time=1000)
    source.execute("ALTER TABLE src.crm DROP COLUMN name")
    with pytest.raises(Exception, match="'name' is not in"):
        unify(CONFIG, source, guards=Guards.off(), run_time=2000)
    assert rows(source, f"SELECT DISTINCT time FROM {S}.person_id_result_key_stats") == [(1000,)]
    assert rows(source, f"SELECT name FROM {S}.customers WHERE name IS NOT NULL") == [("Al",)]
    tmp = source.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%cdpo_tmp'"
    )
    assert tmp.fetchone() == (0,)


def test_source_tables_limit_what_feeds_an_id(source: duckdb.DuckDBPyConnection) -> None:
    config = {**CONFIG, "master_tables": []}
    config["canonical_ids"] = [{**CONFIG["canonical_ids"][0], "source_tables": ["web"]}]
    result = unify(config, source, guards=Guards.off(), run_time=1000)
    assert "enriched_crm" not in result.tables and result.id("person_id").source_rows == 5
    assert rows(source, f"SELECT * FROM {S}.person_id_tables") == [(1, "web")]
    assert rows(source, f"SELECT count(*) FROM {S}.person_id_lookup WHERE id_key_type = 1") == [
        (0,)
    ]


def test_missing_sources_and_columns_are_named(con: duckdb.DuckDBPyConnection) -> None:
    from cdpo.errors import ConfigError, NotFoundError

    with pytest.raises(NotFoundError, match=r"source table src\.web does not exist"):
        unify(CONFIG, con)
    write_table(con, "src.web", "time BIGINT, mail VARCHAR, phone VARCHAR", [])
    with pytest.raises(ConfigError) as info:
        unify(CONFIG, con)
    assert info.value.field == "tables[0].key_columns"
    assert "column 'email' is not in src.web (columns: time, mail, phone)" in str(info.value)
    write_table(con, "src.web", "email VARCHAR, phone VARCHAR", [])
    with pytest.raises(ConfigError, match="TD requires a 'time' column"):
        unify(CONFIG, con)


def test_empty_sources_give_empty_outputs(con: duckdb.DuckDBPyConnection) -> None:
    write_table(con, "src.web", "time BIGINT, email VARCHAR, phone VARCHAR", [])
    write_table(con, "src.crm", "time BIGINT, cid VARCHAR, email VARCHAR, name VARCHAR", [])
    for engine in ("fast", "sql"):
        run = unify(CONFIG, con, engine=engine).id("person_id")
        assert (run.source_rows, run.ids, run.profiles) == (0, 0, 0)
    assert rows(con, f"SELECT count(*) FROM {S}.customers") == [(0,)]
