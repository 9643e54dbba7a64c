"""The synthetic retail data set behind ``cdpo demo``: dirty sources with known true identities.

``generate_dataset`` writes the connectors' replay files, a truth file and a manifest;
``identity_quality`` scores a unification result (read with ``lookup_from_rows``) against the
truth (read with ``read_truth``).
"""

from __future__ import annotations

from cdpo.samples.dataset import SIZES, TRUTH_PATH, generate_dataset
from cdpo.samples.model import Dataset, Extract
from cdpo.samples.quality import (
    IdentityQuality,
    identity_quality,
    lookup_from_rows,
    read_truth,
    record_key,
    truth_table,
)

__all__ = [
    "SIZES",
    "TRUTH_PATH",
    "Dataset",
    "Extract",
    "IdentityQuality",
    "generate_dataset",
    "identity_quality",
    "lookup_from_rows",
    "read_truth",
    "record_key",
    "truth_table",
]
