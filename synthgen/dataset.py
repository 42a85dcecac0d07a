"""The on-disk dataset contract shared by every stage after generation.

Layout of a dataset directory::

    <dir>/manifest.json                written last: a dataset without it is incomplete
    <dir>/generation.json              generation report (seed, spec hash, band, versions ...)
    <dir>/seed.txt                     the seed string, archived beside the data
    <dir>/spec.json                    the fully resolved spec the data was generated from
    <dir>/band.json                    the band, as resolved
    <dir>/<table>/part=<NNNNN>/data.parquet

Partitions are hive-style, so ``read_parquet('<dir>/messages/**/*.parquet',
hive_partitioning=true)`` works in DuckDB, Polars and Spark; the ``part`` column that adds
is not a database column. Within a conversation-scoped partition (every table but users)
rows of ``messages`` are sorted by ``createdAt``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthgen.errors import DatasetError
from synthgen.schema import TABLE_NAMES

MANIFEST = "manifest.json"
FORMAT = "synthgen-dataset/1"


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One Parquet file of the dataset."""

    table: str
    partition: int
    path: str
    """Relative to the dataset directory, with forward slashes."""
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a complete dataset holds: per-file rows and checksums, and where it came from."""

    format: str
    seed: str
    band: str
    spec_hash: str
    synthgen_version: str
    files: tuple[FileEntry, ...]

    def table_rows(self, table: str) -> int:
        return sum(f.rows for f in self.files if f.table == table)

    def table_files(self, table: str) -> list[FileEntry]:
        return sorted((f for f in self.files if f.table == table), key=lambda f: f.partition)

    @property
    def tables(self) -> list[str]:
        present = {f.table for f in self.files}
        return [t for t in TABLE_NAMES if t in present]

    def to_json(self) -> dict[str, Any]:
        tables = {t: {"rows": self.table_rows(t), "files": len(self.table_files(t))}
                  for t in self.tables}
        return {"format": self.format, "seed": self.seed, "band": self.band,
                "spec_hash": self.spec_hash, "synthgen_version": self.synthgen_version,
                "tables": tables,
                "files": [{"table": f.table, "partition": f.partition, "path": f.path,
                           "rows": f.rows, "bytes": f.bytes, "sha256": f.sha256}
                          for f in self.files]}


def partition_dir(table: str, partition: int) -> str:
    """Relative directory of one partition."""
    return f"{table}/part={partition:05d}"


def partition_file(table: str, partition: int) -> str:
    """Relative path of one partition's Parquet file."""
    return f"{partition_dir(table, partition)}/data.parquet"


def table_glob(root: Path | str, table: str) -> str:
    """Glob for DuckDB's read_parquet over one table."""
    return f"{Path(root)}/{table}/*/*.parquet"


def sha256_file(path: Path) -> str:
    """sha256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_complete(root: Path | str) -> bool:
    """True when the directory has a manifest (written last, so the dataset is whole)."""
    return (Path(root) / MANIFEST).is_file()


def read_manifest(root: Path | str) -> Manifest:
    """Read a dataset's manifest; DatasetError when missing or malformed."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset directory not found: {root}")
    path = root / MANIFEST
    if not path.is_file():
        raise DatasetError(f"{root} has no {MANIFEST}: not a complete synthgen dataset "
                           "(generation was interrupted, or this is not a dataset)")
    try:
        raw = json.loads(path.read_text())
        if raw.get("format") != FORMAT:
            raise DatasetError(f"{path}: unknown format {raw.get('format')!r}, "
                               f"expected {FORMAT!r}")
        files = tuple(FileEntry(table=f["table"], partition=int(f["partition"]), path=f["path"],
                                rows=int(f["rows"]), bytes=int(f["bytes"]), sha256=f["sha256"])
                      for f in raw["files"])
        return Manifest(format=raw["format"], seed=raw["seed"], band=raw["band"],
                        spec_hash=raw["spec_hash"], synthgen_version=raw["synthgen_version"],
                        files=files)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as e:
        raise DatasetError(f"{path} is malformed: {e}") from None


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Write the manifest atomically (temporary name, then rename): the last step of a run."""
    tmp = root / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest.to_json(), indent=1) + "\n")
    tmp.replace(root / MANIFEST)
