"""``label_components``: the partition equals networkx's on random graphs, whatever the id type.

Each test loads an edge table into DuckDB, runs ``label_components`` the way the engine and the
benchmark do, and reads the ``out(id, ns, comp)`` table back: its partition, its column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdpo.errors import ConfigError
from cdpo.unify import fast, label_components

Node = tuple[Any, Any]
Edge = tuple[Any, Any, Any, Any]
EDGES_SQL = "SELECT a_id, a_ns, b_id, b_ns FROM edges"


def _load(con: duckdb.DuckDBPyConnection, columns: str, edges: Sequence[Edge]) -> None:
    con.execute(f"CREATE OR REPLACE TABLE edges ({columns})")
    if edges:
        values = [list(c) for c in zip(*edges, strict=True)]
        con.execute(
            "INSERT INTO edges SELECT unnest($1), unnest($2), unnest($3), unnest($4)", values
        )


def _partition(con: duckdb.DuckDBPyConnection, out: str = "labels") -> set[frozenset[Node]]:
    groups: dict[int, set[Node]] = {}
    rows = con.execute(f"SELECT id, ns, comp FROM {out}").fetchall()
    for node_id, ns, comp in rows:
        groups.setdefault(comp, set()).add((node_id, ns))
    assert sum(len(g) for g in groups.values()) == len(rows), "a node is listed twice"
    return {frozenset(g) for g in groups.values()}


def _networkx(edges: Sequence[Edge]) -> set[frozenset[Node]]:
    graph: nx.Graph = nx.Graph()
    graph.add_edges_from(((a, ans), (b, bns)) for a, ans, b, bns in edges)
    return {frozenset(c) for c in nx.connected_components(graph)}


def _types(con: duckdb.DuckDBPyConnection, out: str = "labels") -> list[str]:
    return [str(t) for t in con.sql(f"SELECT id, ns, comp FROM {out}").types]


def test_varchar_ids_small_namespaces(con: duckdb.DuckDBPyConnection) -> None:
    edges = [
        ("a@x.com", 1, "555-1", 2),
        ("555-1", 2, "c1", 3),
        ("b@x.com", 1, "c2", 3),
        ("c2", 3, "c3", 3),
        ("d@x.com", 1, "d@x.com", 1),
    ]
    _load(con, "a_id VARCHAR, a_ns BIGINT, b_id VARCHAR, b_ns BIGINT", edges)
    assert label_components(con, EDGES_SQL, "labels") == 3
    assert _partition(con) == {
        frozenset({("a@x.com", 1), ("555-1", 2), ("c1", 3)}),
        frozenset({("b@x.com", 1), ("c2", 3), ("c3", 3)}),
        frozenset({("d@x.com", 1)}),
    }
    assert _types(con) == ["VARCHAR", "BIGINT", "INTEGER"]


def test_bigint_ids_one_namespace_as_the_benchmark_passes_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("CREATE TABLE pairs AS SELECT * FROM (VALUES (10, 11), (11, 12), (20, 21)) t(a, b)")
    count = label_components(
        con, "SELECT a AS a_id, 1 AS a_ns, b AS b_id, 1 AS b_ns FROM pairs", "labels"
    )
    assert count == 2
    assert _partition(con) == {
        frozenset({(10, 1), (11, 1), (12, 1)}),
        frozenset({(20, 1), (21, 1)}),
    }
    assert _types(con) == ["INTEGER", "INTEGER", "INTEGER"]


def test_an_isolated_self_loop_is_a_node_of_its_own(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "a_id BIGINT, a_ns INTEGER, b_id BIGINT, b_ns INTEGER", [(7, 1, 7, 1), (8, 1, 9, 1)])
    assert label_components(con, EDGES_SQL, "labels") == 2
    assert _partition(con) == {frozenset({(7, 1)}), frozenset({(8, 1), (9, 1)})}


def test_empty_edge_set_gives_an_empty_typed_table(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "a_id VARCHAR, a_ns BIGINT, b_id VARCHAR, b_ns BIGINT", [])
    assert label_components(con, EDGES_SQL, "labels") == 0
    assert con.execute("SELECT count(*) FROM labels").fetchall() == [(0,)]
    assert _types(con) == ["VARCHAR", "BIGINT", "INTEGER"]


def test_the_same_text_under_two_namespaces_is_two_nodes(con: duckdb.DuckDBPyConnection) -> None:
    edges = [("42", 1, "x", 1), ("42", 2, "y", 2)]
    _load(con, "a_id VARCHAR, a_ns BIGINT, b_id VARCHAR, b_ns BIGINT", edges)
    assert label_components(con, EDGES_SQL, "labels") == 2
    assert _partition(con) == {frozenset({("42", 1), ("x", 1)}), frozenset({("42", 2), ("y", 2)})}


def test_many_namespaces_number_pairs_by_hashing(con: duckdb.DuckDBPyConnection) -> None:
    """Every end in its own namespace: ids × namespaces is too sparse for the bitmap."""
    edges = [(f"v{i}", i, f"w{i}", 100 + i) for i in range(40)]  # 40 pieces …
    edges += [(f"w{i}", 100 + i, f"v{i + 1}", i + 1) for i in range(0, 39, 3)]  # … some joined
    _load(con, "a_id VARCHAR, a_ns BIGINT, b_id VARCHAR, b_ns BIGINT", edges)
    assert fast.BITMAP_SPACE_PER_END * 2 * len(edges) < 80 * 80  # ids × namespaces: hashing
    label_components(con, EDGES_SQL, "labels")
    assert _partition(con) == _networkx(edges)


def test_ids_past_two_gib_of_text_are_encoded_as_large_strings(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow's string arrays stop at 2 GiB; the limit is lowered here instead of writing 2 GiB."""
    monkeypatch.setattr(fast, "STRING_BYTES_LIMIT", 10)
    edges = [("a@x.com", 1, "b@x.com", 1), ("c@x.com", 1, "c@x.com", 1)]
    _load(con, "a_id VARCHAR, a_ns BIGINT, b_id VARCHAR, b_ns BIGINT", edges)
    assert label_components(con, EDGES_SQL, "labels") == 2
    assert _partition(con) == _networkx(edges)
    assert _types(con) == ["VARCHAR", "BIGINT", "INTEGER"]


def test_a_thousand_copies_of_one_edge_still_join_its_ends(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "a_id BIGINT, a_ns INTEGER, b_id BIGINT, b_ns INTEGER", [(1, 1, 2, 1)] * 1000)
    assert label_components(con, EDGES_SQL, "labels") == 1


def test_other_id_types_travel_as_text_and_come_back_typed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE wide AS SELECT * FROM (VALUES "
        "(170141183460469231731687303715884105727::HUGEINT, 'a', 1::HUGEINT, 'b'), "
        "(1::HUGEINT, 'b', 2::HUGEINT, 'a')) t(a_id, a_ns, b_id, b_ns)"
    )
    label_components(con, "SELECT * FROM wide", "labels")
    assert _partition(con) == {
        frozenset({(170141183460469231731687303715884105727, "a"), (1, "b"), (2, "a")})
    }
    assert _types(con) == ["HUGEINT", "VARCHAR", "INTEGER"]


def test_mixed_end_types_take_the_union_supertype(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE m AS SELECT 1::INTEGER AS a, 2::BIGINT AS b")
    label_components(con, "SELECT a AS a_id, 1 AS a_ns, b AS b_id, 1 AS b_ns FROM m", "labels")
    assert _types(con) == ["BIGINT", "INTEGER", "INTEGER"]
    assert _partition(con) == {frozenset({(1, 1), (2, 1)})}


def test_a_null_end_is_refused_naming_the_column(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "a_id VARCHAR, a_ns BIGINT, b_id VARCHAR, b_ns BIGINT", [("x", 1, None, 1)])
    with pytest.raises(ConfigError, match=r"edges_sql: 1 edge\(s\) have a NULL b_id"):
        label_components(con, EDGES_SQL, "labels")


def test_an_edges_query_without_the_four_columns_is_refused(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    with pytest.raises(ConfigError, match="edges_sql: the edges query does not bind") as info:
        label_components(con, "SELECT a FROM t", "labels")
    assert "a_id, a_ns, b_id, b_ns" in info.value.hint


ids = st.integers(0, 30)
varchar_edges = st.lists(
    st.tuples(ids.map(str), st.integers(1, 3), ids.map(str), st.integers(1, 3)), max_size=60
)
bigint_edges = st.lists(st.tuples(ids, st.just(1), ids, st.just(1)), max_size=60)
wide_ns_edges = st.lists(st.tuples(ids, ids, ids, ids), max_size=60)
SETTINGS = {
    "deadline": None,
    "max_examples": 60,
    "suppress_health_check": [HealthCheck.function_scoped_fixture],
}


@settings(**SETTINGS)  # type: ignore[arg-type]
@given(edges=varchar_edges)
def test_varchar_partition_equals_networkx(
    con: duckdb.DuckDBPyConnection, edges: list[Edge]
) -> None:
    _load(con, "a_id VARCHAR, a_ns BIGINT, b_id VARCHAR, b_ns BIGINT", edges)
    assert label_components(con, EDGES_SQL, "labels") == len(_networkx(edges))
    assert _partition(con) == _networkx(edges)


@settings(**SETTINGS)  # type: ignore[arg-type]
@given(edges=st.one_of(bigint_edges, wide_ns_edges))
def test_bigint_partition_equals_networkx(
    con: duckdb.DuckDBPyConnection, edges: list[Edge]
) -> None:
    _load(con, "a_id BIGINT, a_ns INTEGER, b_id BIGINT, b_ns INTEGER", edges)
    assert label_components(con, EDGES_SQL, "labels") == len(_networkx(edges))
    assert _partition(con) == _networkx(edges)
