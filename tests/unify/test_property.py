"""Property tests: on random identity graphs the fast path, TD's SQL loop and networkx agree.

Shapes: random rows, chains (long ones need many loop iterations), stars, hubs, cycles and
disconnected pieces, all mixed. Nodes are (key, value); a row links its valid values. The expected
leader of a component is the smallest (merge priority, value) among its row-leaders, a row-leader
being the row's first valid value in key_columns order (spec-staging-unification.md §3.2, §3.4).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import duckdb
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdpo.unify import Guards, canonical_id, load_unify_config, unify
from cdpo.unify.coding import decode_edges_sql
from cdpo.unify.extract import extract_graph
from cdpo.unify.fast import fast_leaders
from cdpo.unify.loop import run_loop

KEY_COLUMNS = ("k_a", "k_b", "k_c")  # key_columns order of the source table
MERGE_BY_KEYS = ["k_c", "k_a", "k_b"]  # priority differs from column order on purpose
CONFIG = load_unify_config(
    {
        "name": "prop",
        "keys": [{"name": k, "invalid_texts": [""]} for k in KEY_COLUMNS],
        "tables": [
            {
                "database": "src",
                "table": "rows",
                "key_columns": [{"column": k, "key": k} for k in KEY_COLUMNS],
            }
        ],
        "canonical_ids": [{"name": "pid", "merge_by_keys": MERGE_BY_KEYS, "merge_iterations": 49}],
    }
)

Row = tuple[str | None, str | None, str | None]
value = st.one_of(st.none(), st.just(""), st.integers(0, 12).map(lambda i: f"v{i}"))
random_rows = st.lists(st.tuples(value, value, value), min_size=1, max_size=25)


def _chain(n: int, closed: bool = False) -> list[Row]:
    """a0 - b0 - a1 - b1 - … (k_a and k_b alternate, so the path really is n links long)."""
    rows: list[Row] = [(f"a{i}", f"b{i}", None) for i in range(n)]
    rows += [(f"a{i + 1}", f"b{i}", None) for i in range(n - 1)]
    return rows + ([("a0", f"b{n - 1}", None)] if closed else [])


chains = st.integers(2, 60).map(_chain)
cycles = st.integers(2, 20).map(lambda n: _chain(n, closed=True))
stars = st.integers(2, 30).map(lambda n: [(f"a{i}", "center", None) for i in range(n)])
hubs = st.integers(2, 20).map(
    lambda n: (
        [(f"a{i}", None, "hub") for i in range(n)] + [(None, f"b{i}", "hub") for i in range(n)]
    )
)
graph = st.one_of(random_rows, chains, stars, cycles, hubs)


def _namespaced(graphs: list[list[Row]]) -> list[Row]:
    """Many graphs in one table: graph j's values are prefixed "j:", so they never touch."""
    return [
        tuple(v if v in (None, "") else f"{j}:{v}" for v in row)  # type: ignore[misc]
        for j, rows in enumerate(graphs)
        for row in rows
    ]


# Each example holds up to 80 independent graphs, so a run checks thousands of graphs in all.
batches = st.lists(graph, min_size=1, max_size=80).map(_namespaced)


@pytest.fixture(scope="module")
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA src")
    yield connection
    connection.close()


def _load(con: duckdb.DuckDBPyConnection, data: list[Row]) -> list[Row]:
    con.execute(
        "CREATE OR REPLACE TABLE src.rows (time BIGINT, k_a VARCHAR, k_b VARCHAR, k_c VARCHAR)"
    )
    columns = [list(c) for c in zip(*data, strict=True)]
    con.execute(
        "INSERT INTO src.rows SELECT unnest(range(len($1))), unnest($1), unnest($2), unnest($3)",
        columns,
    )
    return data


def _expected(data: list[Row]) -> dict[tuple[str, int], tuple[str, int]]:
    """networkx components; leader = min (ns, value) over row-leaders of each component."""
    graph: nx.Graph = nx.Graph()
    row_leaders = set()
    for row in data:
        nodes = [
            (MERGE_BY_KEYS.index(KEY_COLUMNS[pos]) + 1, v)
            for pos, v in enumerate(row)
            if v not in (None, "")
        ]
        if not nodes:
            continue
        row_leaders.add(nodes[0])
        graph.add_nodes_from(nodes)
        graph.add_edges_from(itertools.pairwise(nodes))
    expected = {}
    for component in nx.connected_components(graph):
        ns, leader = min(n for n in component if n in row_leaders)
        expected.update({(v, n): (leader, ns) for n, v in component})
    return expected


def _star(con: duckdb.DuckDBPyConnection, table: str) -> dict[tuple[str, int], tuple[str, int]]:
    got = con.execute(
        f"SELECT follower_id, follower_ns, leader_id, leader_ns FROM {table}"
    ).fetchall()
    star = {(f, fns): (lid, lns) for f, fns, lid, lns in got}
    assert len(star) == len(got), "a follower kept two leaders"
    return star


SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@settings(max_examples=30, **SETTINGS)  # type: ignore[arg-type]
@given(data=batches)
def test_fast_path_sql_loop_and_networkx_agree(
    db: duckdb.DuckDBPyConnection, data: list[Row]
) -> None:
    _load(db, data)
    definition = CONFIG.canonical_ids[0]
    graph = extract_graph(db, CONFIG, definition, Guards.off(), processed_at=0, prefix="_p").graph
    fast_leaders(db, graph.edges, "_p_fast")
    loop = run_loop(db, graph.edges, "_p", cap=49)
    expected = _expected(data)  # on the values: the coded edges are decoded first
    assert _star(db, f"({decode_edges_sql('_p_fast', graph.nodes)})") == expected
    assert _star(db, f"({decode_edges_sql(loop.table, graph.nodes)})") == expected
    db.execute(f"DROP TABLE {loop.table}")


@settings(max_examples=5, **SETTINGS)  # type: ignore[arg-type]
@given(data=batches)
def test_whole_runs_give_identical_lookups(db: duckdb.DuckDBPyConnection, data: list[Row]) -> None:
    _load(db, data)
    lookups = []
    for engine in ("fast", "sql"):
        unify(CONFIG, db, engine=engine, guards=Guards.off(), run_time=1)
        lookups.append(
            sorted(db.execute("SELECT * FROM cdp_unification_prop.pid_lookup").fetchall(), key=repr)
        )
    assert lookups[0] == lookups[1]
    expected = _expected(data)
    assert {(r[1], r[2]): r[0] for r in lookups[0]} == {
        node: canonical_id(*leader) for node, leader in expected.items()
    }
