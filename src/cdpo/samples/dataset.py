"""``generate_dataset``: write the demo retail CDP's sources, its truth file and its manifest.

One seeded ``numpy.random.Generator`` draws everything, in a fixed order, and DuckDB writes the
files in a fixed row order, so the same seed and size give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from cdpo.errors import ConfigError, did_you_mean
from cdpo.samples import crm, klaviyo, shopify, web
from cdpo.samples.accounts import Accounts, draw_accounts
from cdpo.samples.frame import Frame
from cdpo.samples.model import Dataset, Extract
from cdpo.samples.people import Population, build_population
from cdpo.samples.writer import create_truth, write_frame, write_truth

SIZES: dict[str, int] = {"small": 2_000, "medium": 100_000, "large": 1_000_000}
"""People per named size; events run at about 10 per person (medium ≈ 1M, large ≈ 10M)."""
TRUTH_PATH = "truth/identities.parquet"
"""Where the truth file goes, relative to the data set root: outside every source directory."""

FrameBuilder = Callable[[np.random.Generator, Population, Accounts], Frame]
BUILDERS: tuple[FrameBuilder, ...] = (
    shopify.customers_frame,
    shopify.orders_frame,
    klaviyo.profiles_frame,
    klaviyo.events_frame,
    web.pageviews_frame,
    crm.customers_frame,
    crm.transactions_frame,
)
"""Every source object, in generation order (the order is part of the seed's meaning)."""


def generate_dataset(
    out_dir: Path,
    *,
    size: str = "small",
    people: int | None = None,
    seed: int = 42,
    progress: Callable[[Extract], None] | None = None,
) -> Dataset:
    """Write a synthetic, dirty retail CDP with known true identities under ``out_dir``.

    Args:
        out_dir: the data set root; created if missing. Files in it with the same names are
            overwritten.
        size: ``small`` (≈2k people), ``medium`` (≈100k) or ``large`` (≈1M); see ``SIZES``.
        people: overrides the number of people of ``size``.
        seed: the random seed; the same seed, size and people give the same bytes.
        progress: called with each ``Extract`` once its files are written (7 calls), so a caller
            can show progress on the larger sizes.

    Returns:
        The ``Dataset`` describing every extract, also written as ``out_dir/dataset.json``.

    Raises:
        ConfigError: an unknown size or a people count below 10.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     generate_dataset(Path(tmp), people=50).extract("shopify_customers").record_id
        'id'
    """
    count = _people(size, people)
    import duckdb

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pop = build_population(rng, count)
    acc = draw_accounts(rng, pop)
    with duckdb.connect() as con:
        # No progress bar: generation is a library call; the CLI shows progress its own way.
        con.execute("SET enable_progress_bar = false")
        create_truth(con)
        extracts: list[Extract] = []
        for build in BUILDERS:
            extracts.append(write_frame(con, build(rng, pop, acc), out_dir))
            if progress is not None:
                progress(extracts[-1])
        truth_rows = write_truth(con, out_dir / TRUTH_PATH)
    dataset = Dataset(
        root=out_dir,
        size=size,
        people=count,
        seed=seed,
        extracts=tuple(extracts),
        truth_path=TRUTH_PATH,
        truth_rows=truth_rows,
    )
    dataset.write_manifest()
    return dataset


def _people(size: str, people: int | None) -> int:
    if size not in SIZES:
        raise ConfigError(
            f"unknown size {size!r}; valid sizes are {', '.join(SIZES)}.{did_you_mean(size, SIZES)}",
            field="size",
        )
    if people is not None and people < 10:
        raise ConfigError(f"people must be at least 10, got {people}", field="people")
    return SIZES[size] if people is None else people
