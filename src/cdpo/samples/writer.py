"""Write frames as replay files (JSON lines, CSV, Parquet) with DuckDB, and collect the truth.

Rows are written in a fixed order (arrival, record, version), so the same frame always gives the
same bytes. The frame is sorted once in numpy; DuckDB keeps insertion order on COPY
(``preserve_insertion_order``, on by default), so no query needs an ORDER BY.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cdpo.samples.frame import Frame
from cdpo.samples.model import Extract
from cdpo.samples.times import strftime

EXTENSIONS = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}
_COPY_OPTIONS = {
    "jsonl": "FORMAT json",
    "csv": "FORMAT csv, HEADER true",
    "parquet": "FORMAT parquet",
}
TRUTH_TABLE = "truth"


def create_truth(con: Any) -> None:
    """Create the in-database truth table that ``write_frame`` fills."""
    con.execute(
        f"CREATE TABLE {TRUTH_TABLE} (table_name VARCHAR, record_id VARCHAR, person_id BIGINT)"
    )


def write_frame(con: Any, frame: Frame, root: Path) -> Extract:
    """Write ``frame``'s historical and incremental files under ``root/<source>/`` and record its
    truth rows; returns the ``Extract`` describing them."""
    _register(con, frame.columns)
    directory = root / frame.source
    directory.mkdir(parents=True, exist_ok=True)
    select = ", ".join(f'{expr} AS "{name}"' for name, expr in frame.select)
    hist = f"{frame.object}_hist.{EXTENSIONS[frame.format]}"
    inc = f"{frame.object}_inc.{EXTENSIONS[frame.format]}"
    hist_rows = _copy(
        con, f"SELECT {select} FROM frame WHERE _in_hist", directory / hist, frame.format
    )
    inc_select = f"SELECT {select}, _incremental_date AS incremental_date FROM frame WHERE _in_inc"
    inc_rows = _copy(con, inc_select, directory / inc, frame.format)
    columns = tuple(
        (str(r[0]), str(r[1]))
        for r in con.execute(f"DESCRIBE SELECT {select} FROM frame").fetchall()
    )
    record = dict(frame.select)[frame.record_id]
    con.execute(
        f"INSERT INTO {TRUTH_TABLE} SELECT DISTINCT ?, CAST({record} AS VARCHAR), _person FROM frame",
        [frame.table],
    )
    con.execute("DROP TABLE frame")
    return Extract(
        source=frame.source,
        connector=frame.connector,
        object=frame.object,
        table=frame.table,
        hist_path=f"{frame.source}/{hist}",
        inc_path=f"{frame.source}/{inc}",
        format=frame.format,
        incremental_field=frame.incremental_field,
        time_field=frame.time_field,
        time_format=frame.time_format,
        record_id=frame.record_id,
        identifiers=dict(frame.identifiers),
        columns=columns,
        json_columns=frame.json_columns,
        hist_rows=hist_rows,
        inc_rows=inc_rows,
    )


def write_truth(con: Any, path: Path) -> int:
    """Write the truth table as Parquet (sorted by table and record id); returns its row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    query = f"SELECT * FROM {TRUTH_TABLE} ORDER BY table_name, record_id"
    return _copy(con, query, path, "parquet")


def _register(con: Any, columns: dict[str, np.ndarray]) -> None:
    """Load the frame into DuckDB table ``frame`` once, text as VARCHAR.

    Fixed-width numpy strings are handed over as Python objects: DuckDB turns ``<U`` arrays into
    ENUMs, which is some 40 times slower than scanning object arrays.
    """
    order = np.lexsort((columns["_record"], columns["_arrival"]))
    data = {
        name: (v.astype(object) if v.dtype.kind == "U" else v)[order] for name, v in columns.items()
    }
    data["_incremental_date"] = strftime(data["_arrival"], "%Y-%m-%d").astype(object)
    con.register("frame_raw", data)
    casts = [
        f'CAST("{name}" AS VARCHAR) AS "{name}"' if values.dtype.kind == "O" else f'"{name}"'
        for name, values in data.items()
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE frame AS SELECT {', '.join(casts)} FROM frame_raw")
    con.unregister("frame_raw")


def _copy(con: Any, query: str, path: Path, fmt: str) -> int:
    """COPY a query's rows to a file; returns the number of rows written."""
    target = path.as_posix().replace("'", "''")
    result = con.execute(f"COPY ({query}) TO '{target}' ({_COPY_OPTIONS[fmt]})").fetchone()
    return int(result[0]) if result else 0
