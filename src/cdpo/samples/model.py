"""What a generated data set holds, described well enough to build a pipeline without reading it.

``Dataset`` and ``Extract`` are plain frozen dataclasses; ``Dataset.manifest_path`` is written as
``dataset.json`` next to the sources, and ``Dataset.load`` reads it back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError

MANIFEST = "dataset.json"


@dataclass(frozen=True)
class Extract:
    """One source object, written as a historical and an incremental replay file.

    Attributes:
        source: the system the data comes from: ``shopify``, ``klaviyo``, ``web`` or ``crm``.
        connector: the TD connector type whose output the files replay (``shopify``, ``klaviyo``,
            ``bigquery_v2``, ``sftp_v2``).
        object: the connector's object (``customers``, ``events``, ...).
        table: destination table of the incremental extract; ``hist_table`` is ``<table>_hist``.
        hist_path, inc_path: the replay files, relative to ``Dataset.root``.
        format: ``jsonl`` (one JSON object per line, nested JSON in JSON columns), ``csv`` (header,
            RFC 4180 quoting, every column text) or ``parquet``.
        incremental_field: the column an incremental load filters on (the watermark column).
        time_field: the column TD's ``add_time`` filter should turn into ``time``; ``time_format``
            is its format in DuckDB's ``strptime`` specifiers (``%Y-%m-%dT%H:%M:%S%z``; ``%g`` is
            milliseconds).
        record_id: the column that identifies a record; with ``table`` it is the truth key.
        identifiers: identifier columns mapped to their key kind (``email``, ``phone``,
            ``td_client_id``, ``shopify_customer_id``, ``klaviyo_profile_id``, ``crm_customer_no``).
        columns: (name, DuckDB type) of the historical file in order; the incremental file has the
            same columns plus ``incremental_date`` (VARCHAR ``YYYY-MM-DD``, the day the row was
            extracted).
        json_columns: columns holding JSON objects or arrays.
        hist_rows, inc_rows: rows written to each file.
    """

    source: str
    connector: str
    object: str
    table: str
    hist_path: str
    inc_path: str
    format: str
    incremental_field: str
    time_field: str
    time_format: str
    record_id: str
    identifiers: dict[str, str]
    columns: tuple[tuple[str, str], ...]
    json_columns: tuple[str, ...]
    hist_rows: int
    inc_rows: int

    @property
    def hist_table(self) -> str:
        return f"{self.table}_hist"


@dataclass(frozen=True)
class Dataset:
    """A generated demo data set: its extracts, the truth file, and how it was made.

    Paths in ``extracts`` and ``truth_path`` are relative to ``root``; use ``path()`` to resolve.
    """

    root: Path
    size: str
    people: int
    seed: int
    extracts: tuple[Extract, ...]
    truth_path: str
    truth_rows: int

    def path(self, relative: str) -> Path:
        """An absolute path for a path stored relative to ``root``."""
        return self.root / relative

    def extract(self, table: str) -> Extract:
        """The extract whose destination table is ``table``."""
        for extract in self.extracts:
            if table in (extract.table, extract.hist_table):
                return extract
        names = [e.table for e in self.extracts]
        raise KeyError(f"no extract for table {table!r}; tables are {', '.join(names)}")

    def replay_mapping(self, database: str = "*") -> dict[str, Any]:
        """The local target's replay mapping for these files (``version``/``tables``), for a YAML
        file written in ``root``: each extract's incremental file feeds ``<database>.<table>``, its
        historical file ``<database>.<table>_hist``."""
        tables: dict[str, Any] = {}
        for e in self.extracts:
            for table, path in ((e.hist_table, e.hist_path), (e.table, e.inc_path)):
                tables[f"{database}.{table}"] = {
                    "connector": e.connector,
                    "files": [path],
                    "format": e.format,
                    "incremental_field": e.incremental_field,
                }
        return {"version": 1, "tables": tables}

    def write_manifest(self) -> Path:
        """Write ``dataset.json`` in ``root`` and return its path."""
        data = asdict(self)
        data["root"] = "."
        path = self.root / MANIFEST
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, root: Path) -> Dataset:
        """Read the ``dataset.json`` a previous ``generate_dataset`` wrote in ``root``.

        Raises:
            ConfigError: the manifest is missing or malformed.
        """
        path = Path(root) / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            extracts = tuple(_extract(item) for item in data.pop("extracts"))
            data.pop("root")
            return cls(root=Path(root), extracts=extracts, **data)
        except FileNotFoundError:
            raise ConfigError(
                "no demo data set here", file=path, hint="Run `cdpo demo` to generate one."
            ) from None
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"malformed data set manifest: {error}", file=path) from None


def _extract(item: dict) -> Extract:
    item = dict(item)
    item["columns"] = tuple(tuple(column) for column in item["columns"])
    item["json_columns"] = tuple(item["json_columns"])
    return Extract(**item)
