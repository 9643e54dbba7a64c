from __future__ import annotations

import duckdb
import pytest

from cdpo.unify import canonical_id
from cdpo.unify.canonical import canonical_id_sql, key_mask

# Test vectors of spec-staging-unification.md §3.5 (TD's masks for ns 1-3).
VECTORS = [
    ("john@email.com", 1, "9UxeFl_Vdz4N"),
    ("C001", 2, "xThLpg_-5YOQ"),
    ("5551234567", 3, "kEcHEZp1vkgn"),
    ("john@email.com", 2, "mxnDFC_1Hc-Q"),
]


@pytest.mark.parametrize(("leader", "ns", "expected"), VECTORS)
def test_python_encoding_matches_td_vectors(leader: str, ns: int, expected: str) -> None:
    assert canonical_id(leader, ns) == expected


def test_sql_encoding_equals_python_for_every_key_type() -> None:
    cases = [(v, ns) for v, ns, _ in VECTORS] + [
        (f"value-{i}-é", ns) for i in range(20) for ns in (1, 4, 17, 64)
    ]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR, ns INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", cases)
    got = con.execute(f"SELECT v, ns, {canonical_id_sql('v', 'ns', 64)} FROM t").fetchall()
    assert got == [(v, ns, canonical_id(v, ns)) for v, ns in cases]
    assert all(len(c) == 12 and "+" not in c and "/" not in c for _, _, c in got)


def test_masks_are_distinct_and_bounded() -> None:
    masks = {key_mask(ns) for ns in range(1, 65)}
    assert len(masks) == 64
    with pytest.raises(ValueError, match=r"outside 1\.\.64"):
        key_mask(65)


def test_td_documented_ids_share_the_scheme_with_their_own_masks() -> None:
    # TD's p6_do_not_merge walkthrough (cdp-academy sec07_03) shows real ids of member_id 1, 2, 3
    # (ns 1). Each decodes to sha256(value)[:8] XOR one 9-byte mask: the scheme is TD's, but that
    # unification's ns-1 mask is not the port's 0ffdbcf0c666ce190d, so masks are not fixed per ns.
    import base64
    import hashlib

    masks = set()
    for value, td_id in [("1", "4ydklKlyPnfa"), ("2", "XNKI3XAY1Hja"), ("3", "xqaWYjT4GR3a")]:
        raw = base64.urlsafe_b64decode(td_id + "=" * (-len(td_id) % 4))
        digest = hashlib.sha256(value.encode()).digest()[:8]
        masks.add(bytes(a ^ b for a, b in zip(raw[:8], digest, strict=True)) + raw[8:])
    assert masks == {bytes.fromhex("88a1d6e75646c296da")}
    assert key_mask(1) != bytes.fromhex("88a1d6e75646c296da")
