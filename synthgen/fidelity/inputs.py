"""What the gate reads: the manifest, resolved spec, band and feasibility of a dataset, and a
DuckDB connection whose views cover exactly the files the manifest lists."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.dataset import Manifest, read_manifest
from synthgen.errors import DatasetError
from synthgen.spec import load_spec, spec_from_dict
from synthgen.spec_model import Spec

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True, slots=True)
class BandInfo:
    """The band a dataset was generated for (``band.json``)."""

    name: str
    users: int
    conversations: int
    messages: int
    window_days: int
    window_end: dt.datetime

    @property
    def window_start(self) -> dt.datetime:
        return self.window_end - dt.timedelta(days=self.window_days)


@dataclass(frozen=True, slots=True)
class DatasetInputs:
    """Everything the checks need besides the rows."""

    root: Path
    manifest: Manifest
    spec: Spec
    band: BandInfo
    feasibility: dict[str, Any] | None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DatasetError(f"{path.parent} has no {path.name}: not a complete synthgen "
                           "dataset") from None
    except json.JSONDecodeError as e:
        raise DatasetError(f"{path} is not valid JSON: line {e.lineno}: {e.msg}") from None


def read_band(path: Path) -> BandInfo:
    """Parse ``band.json``; DatasetError naming the key when it is incomplete."""
    raw = _read_json(path)
    try:
        end = dt.datetime.fromisoformat(str(raw["window_end"]))
        if end.tzinfo is not None:
            end = end.astimezone(dt.UTC).replace(tzinfo=None)
        return BandInfo(name=str(raw.get("name", "")), users=int(raw["users"]),
                        conversations=int(raw["conversations"]), messages=int(raw["messages"]),
                        window_days=int(raw["window_days"]), window_end=end)
    except (KeyError, TypeError, ValueError) as e:
        raise DatasetError(f"{path} is malformed: {e}") from None


def load_inputs(root: Path | str, spec_path: Path | str | None = None) -> DatasetInputs:
    """Read a dataset's manifest, spec, band and feasibility.

    ``spec_path`` replaces the dataset's resolved ``spec.json``; the band's own spec overrides
    (``band.json`` ``spec_overrides``, e.g. a tiny band's smaller heavy-room floor) are applied
    to it, as generation did.
    """
    root = Path(root)
    manifest = read_manifest(root)
    band = read_band(root / "band.json")
    if spec_path is not None:
        overrides = _read_json(root / "band.json").get("spec_overrides") or {}
        spec = load_spec(spec_path, overrides=overrides if isinstance(overrides, dict) else None)
    else:
        spec = spec_from_dict(_read_json(root / "spec.json"))
    feas_path = root / "feasibility.json"
    feasibility = _read_json(feas_path) if feas_path.is_file() else None
    return DatasetInputs(root, manifest, spec, band, feasibility)


def connect(inputs: DatasetInputs, tables: list[str] | None = None
            ) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB on all cores, with one view per table over the manifest's files.

    ``tables`` limits the views to the tables the file checks found sound (default: all).
    Views read exactly the files the manifest lists (a stray file on disk is an integrity
    failure, not extra rows) and expose ``part`` (the hive partition number) and
    ``file_row_number`` so checks can follow the physical order of the rows.
    """
    import duckdb

    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # the CLI prints its own table
    for table in inputs.manifest.tables if tables is None else tables:
        paths = [str(inputs.root / f.path) for f in inputs.manifest.table_files(table)]
        files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
        con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM read_parquet([{files}], '
                    "file_row_number = true, hive_partitioning = true, "
                    "hive_types = {'part': INTEGER})")
    return con


def missing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables without a view (no files, or files missing on disk)."""
    from synthgen.schema import TABLE_NAMES

    have = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() "
                                      "WHERE NOT internal").fetchall()}
    return [t for t in TABLE_NAMES if t not in have]


def require(con: duckdb.DuckDBPyConnection, *tables: str) -> bool:
    """True when every named table has a view."""
    missing = set(missing_tables(con))
    return not any(t in missing for t in tables)

