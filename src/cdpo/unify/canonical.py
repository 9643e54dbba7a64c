"""Canonical id encoding: TD's 12-character id for a leader value and its key type (ns).

``canonical_id = base64url((sha256(leader)[:8] XOR mask[:8]) || mask[8])`` without padding, where the
9-byte mask depends on the leader's ns (reference spec-staging-unification.md §3.5, test vectors
there). The masks for ns 1–3 are the ones the APS port took from TD. For ns ≥ 4 none is published, so cdpo derives one
deterministically from ``sha256("cdpo-unify-key-mask-{ns}")`` instead of the invented constants of
the APS port. Reordering ``merge_by_keys`` changes ns and therefore re-keys every profile.

TD's own documentation shows ids built by this scheme with *other* masks (test_canonical.py), so
masks differ between TD unifications. ``mask_from_td_id`` recovers a key's mask from one id TD gave;
passing such masks (``masks``, by ns) reproduces that unification's ids exactly.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from cdpo.unify.names import literal

__all__ = ["MAX_MERGE_KEYS", "canonical_id", "canonical_id_sql", "key_mask", "mask_from_td_id"]

Masks = Mapping[int, bytes]

MAX_MERGE_KEYS = 64  # TD's validator: merge_by_keys has at most 64 entries.
# Masks published with TD's implementation (aps_claude_tools cdp-hybrid-idu, "from TD's implementation").
_TD_MASKS = {1: "0ffdbcf0c666ce190d", 2: "61a821f2b646a4e890", 3: "acd2206c3f88b3ee27"}


def key_mask(ns: int, masks: Masks | None = None) -> bytes:
    """The 9-byte mask of key type ``ns`` (1-based position in ``merge_by_keys``)."""
    if not 1 <= ns <= MAX_MERGE_KEYS:
        raise ValueError(f"key type ns={ns} is outside 1..{MAX_MERGE_KEYS}")
    if masks and ns in masks:
        return masks[ns]
    if ns in _TD_MASKS:
        return bytes.fromhex(_TD_MASKS[ns])
    return hashlib.sha256(f"cdpo-unify-key-mask-{ns}".encode()).digest()[:9]


def mask_from_td_id(leader_id: str, td_id: str) -> bytes:
    """The mask a TD unification used for a key, from one leader value and the id TD gave it.

    Example:
        >>> mask_from_td_id("john@email.com", "9UxeFl_Vdz4N").hex()
        '0ffdbcf0c666ce190d'
    """
    raw = base64.urlsafe_b64decode(td_id + "=" * (-len(td_id) % 4))
    if len(raw) != 9:
        raise ValueError(f"{td_id!r} is not a 12-character TD canonical id")
    digest = hashlib.sha256(leader_id.encode("utf-8")).digest()[:8]
    return bytes(a ^ b for a, b in zip(raw[:8], digest, strict=True)) + raw[8:]


def canonical_id(leader_id: str, ns: int, masks: Masks | None = None) -> str:
    """The canonical id TD gives a profile whose leader is ``leader_id`` of key type ``ns``.

    Example:
        >>> canonical_id("john@email.com", 1)
        '9UxeFl_Vdz4N'
    """
    mask = key_mask(ns, masks)
    digest = hashlib.sha256(leader_id.encode("utf-8")).digest()[:8]
    raw = bytes(a ^ b for a, b in zip(digest, mask[:8], strict=True)) + mask[8:]
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def canonical_id_sql(value_sql: str, ns_sql: str, max_ns: int, masks: Masks | None = None) -> str:
    """DuckDB expression computing ``canonical_id(value, ns)`` for ns in ``1..max_ns``.

    ``value_sql`` and ``ns_sql`` are SQL expressions (already quoted columns). The XOR runs on the
    first 8 bytes as an unsigned 64-bit integer; the 9th mask byte is appended as is.
    """
    table = [key_mask(ns, masks) for ns in range(1, max(max_ns, 1) + 1)]
    low = ", ".join(f"{int.from_bytes(m[:8], 'big')}::UBIGINT" for m in table)
    tail = ", ".join(literal(m[8:].hex()) for m in table)
    head = f"('0x' || substr(sha256({value_sql}), 1, 16))::UBIGINT"
    hex_raw = f"printf('%016x', xor({head}, [{low}][{ns_sql}])) || [{tail}][{ns_sql}]"
    b64 = f"rtrim(to_base64(unhex({hex_raw})), '=')"
    return f"replace(replace({b64}, '+', '-'), '/', '_')"
