"""What the gate reads: the manifest, resolved spec, band and feasibility of a dataset, and a
DuckDB connection whose views cover exactly the files the manifest lists."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.bands import Band
from synthgen.dataset import (
    BAND,
    FEASIBILITY,
    SPEC,
    Manifest,
    has_file,
    is_remote,
    read_document,
    read_manifest,
    shown,
)
from synthgen.spec import load_spec, spec_from_dict
from synthgen.spec_model import Spec

if TYPE_CHECKING:
    import duckdb

    from synthgen.fidelity.stage import Staged

MEMORY_LIMIT_ENV = "SYNTHGEN_VALIDATE_MEMORY"
DEFAULT_MEMORY_LIMIT = "700MB"
"""DuckDB's memory limit while validating (override with $SYNTHGEN_VALIDATE_MEMORY). The
process's peak is this plus ~250 MB (Python, Arrow, key hashes): dev measured 936 MB at
700MB, 1,055 MB at 768MB (0.4 s faster), 846 MB at 640MB (1.7 s slower)."""


@dataclass(frozen=True, slots=True)
class DatasetInputs:
    """Everything the checks need besides the rows."""

    root: Path
    """The local directory DuckDB reads: the dataset itself, or its staged copy
    (``synthgen.fidelity.stage``) when it lives at a URL."""
    manifest: Manifest
    spec: Spec
    band: Band
    """The band the dataset was generated for (its ``band.json``)."""
    feasibility: dict[str, Any] | None
    location: Path | str = ""
    """Where the dataset is: a local path (``root``) or a URL (may hold credentials: print
    ``dataset.shown(location)``)."""
    fetched: dict[str, tuple[int, str]] | None = None
    """For a staged copy: (bytes, sha256) of each Parquet file as it arrived from the URL;
    None for a local dataset (the file checks read the disk)."""


def load_inputs(root: Path | str, spec_path: Path | str | None = None,
                staged: Staged | None = None) -> DatasetInputs:
    """Read a dataset's manifest, spec, band and feasibility.

    ``spec_path`` replaces the dataset's resolved ``spec.json``; the band's own spec overrides
    (``band.json`` ``spec_overrides``, e.g. a tiny band's smaller heavy-room floor) are applied
    to it, as generation did. ``root`` may be a URL (s3://...): the documents are read from
    there and the Parquet files from ``staged``, its local copy.
    """
    location: Path | str = root if is_remote(root) else Path(root)
    if isinstance(location, str) and staged is None:
        raise ValueError("a dataset at a URL is read from its staged copy")
    manifest = read_manifest(location)
    band = Band.from_json(read_document(location, BAND), f"{shown(location)}/{BAND}")
    if spec_path is not None:
        spec = load_spec(spec_path, overrides=band.spec_overrides or None)
    else:
        spec = spec_from_dict(read_document(location, SPEC))
    feasibility = (read_document(location, FEASIBILITY) if has_file(location, FEASIBILITY)
                   else None)
    return DatasetInputs(staged.root if staged is not None else Path(location), manifest, spec,
                         band, feasibility, location=location,
                         fetched=staged.fetched if staged is not None else None)


def connect(inputs: DatasetInputs, tables: list[str] | None = None
            ) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB on all cores, with one view per table over the manifest's files.

    ``tables`` limits the views to the tables the file checks found sound (default: all).
    Views read exactly the files the manifest lists (a stray file on disk is an integrity
    failure, not extra rows) and expose ``part`` (the hive partition number) and
    ``file_row_number`` so checks can follow the physical order of the rows.
    """
    import duckdb

    # Bounded memory whatever the band: DuckDB spills sorts, joins and windows to a private
    # temporary directory beyond the limit (removed with the process's temp files).
    spill = tempfile.mkdtemp(prefix="synthgen-validate-")
    con = duckdb.connect(config={"threads": os.cpu_count() or 1,
                                 "memory_limit": os.environ.get(MEMORY_LIMIT_ENV,
                                                                DEFAULT_MEMORY_LIMIT),
                                 "temp_directory": spill})
    weakref.finalize(con, shutil.rmtree, spill, True)
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

