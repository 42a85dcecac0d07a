"""File-level integrity: the manifest against the disk, the band and the schema.

For a dataset at a URL, "the disk" is what the URL holds: the staged copy's sizes and sha256
were taken as the bytes arrived (``synthgen.fidelity.stage``), and the documents the gate
judges by are hashed where they are.

Runs before any query: only tables whose every file is present, readable and of the right
schema are handed to DuckDB, so a broken file is a failed check, never a crash.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from synthgen.dataset import (
    FEASIBILITY,
    INPUT_FILES,
    FileEntry,
    file_sha256,
    has_file,
    sha256_file,
)
from synthgen.fidelity.check import Check, integrity_check
from synthgen.fidelity.inputs import DatasetInputs
from synthgen.schema import TABLE_NAMES, arrow_schema

REQUIRED_TABLES = ("users", "conversations", "conversation_users", "messages")
"""Tables every dataset has (the others can be switched off in the spec)."""


@dataclass(frozen=True, slots=True)
class FileState:
    """What one listed file looks like on disk."""

    entry: FileEntry
    present: bool
    checksum_ok: bool = False
    readable: bool = False
    rows_ok: bool = False
    schema_ok: bool = False


def _inspect(root: Path, f: FileEntry,
             fetched: dict[str, tuple[int, str]] | None = None) -> FileState:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = root / f.path
    if fetched is not None:  # a staged copy: size and sha256 of what arrived from the URL
        if f.path not in fetched:
            return FileState(f, present=False)
        checksum_ok = fetched[f.path] == (f.bytes, f.sha256)
    elif not path.is_file():
        return FileState(f, present=False)
    else:
        checksum_ok = path.stat().st_size == f.bytes and sha256_file(path) == f.sha256
    try:
        pf = pq.ParquetFile(path)
        rows, schema = pf.metadata.num_rows, pf.schema_arrow
    except (pa.ArrowException, OSError):
        return FileState(f, present=True, checksum_ok=checksum_ok)
    want = arrow_schema(f.table)
    return FileState(f, present=True, checksum_ok=checksum_ok, readable=True,
                     rows_ok=rows == f.rows,
                     schema_ok=schema.names == want.names and schema.types == want.types)


def _input_check(inputs: DatasetInputs) -> Check:
    """spec.json, band.json and feasibility.json against the hashes the manifest recorded."""
    recorded = inputs.manifest.inputs
    where = inputs.location or inputs.root  # the documents are read in place, even at a URL
    bad = []
    for name in INPUT_FILES:
        present = has_file(where, name)
        if name not in recorded:
            if name != FEASIBILITY or present:  # feasibility.json alone is optional:
                bad.append(f"{name}: not recorded")   # the gate then resolves it anew
        elif not present:
            bad.append(f"{name}: missing")
        elif file_sha256(where, name) != recorded[name]:
            bad.append(f"{name}: changed")
    return integrity_check("manifest.inputs", len(bad), bad,
                           detail="spec, band and feasibility documents the gate judges by, "
                                  "against the sha256 the manifest recorded")


def file_checks(inputs: DatasetInputs) -> tuple[list[Check], list[str]]:
    """The file-level checks, and the tables safe to query (all files present and sound)."""
    root, manifest = inputs.root, inputs.manifest
    listed = {f.path for f in manifest.files}
    fetched = inputs.fetched
    on_disk = ({p.relative_to(root).as_posix() for t in TABLE_NAMES
                for p in root.glob(f"{t}/*/*.parquet")} if fetched is None else set(fetched))
    # sha256 releases the GIL: hashing overlaps across files.
    with ThreadPoolExecutor(max_workers=4) as pool:
        states = list(pool.map(lambda f: _inspect(root, f, fetched), manifest.files))

    def bad(test: str) -> list[str]:
        return [s.entry.path for s in states if s.present and not getattr(s, test)]

    missing = [s.entry.path for s in states if not s.present]
    extra = sorted(on_disk - listed)
    n = len(states)
    out = [
        integrity_check("manifest.files_present", len(missing), missing, n=n,
                        detail="files the manifest lists that are not on disk"),
        integrity_check("manifest.no_stray_files", len(extra), extra,
                        detail="Parquet files on disk that the manifest does not list"),
        integrity_check("manifest.checksums", len(bad("checksum_ok")), bad("checksum_ok"), n=n,
                        detail="files whose sha256 or size differs from the manifest"),
        integrity_check("manifest.readable", len(bad("readable")), bad("readable"), n=n,
                        detail="files that are not readable Parquet"),
        integrity_check("manifest.row_counts", len(bad("rows_ok")) - len(bad("readable")),
                        [p for p in bad("rows_ok") if p not in bad("readable")], n=n,
                        detail="files whose row count differs from the manifest"),
        integrity_check("schema.columns", len(bad("schema_ok")) - len(bad("readable")),
                        [p for p in bad("schema_ok") if p not in bad("readable")], n=n,
                        detail="files whose columns or types differ from the schema"),
    ]
    out.append(_input_check(inputs))
    band = inputs.band
    off = [f"{t}: manifest {manifest.table_rows(t)}, band {want}"
           for t, want in (("users", band.users), ("conversations", band.conversations),
                           ("messages", band.messages))
           if manifest.table_rows(t) != want]
    absent = [f"{t}: no files" for t in REQUIRED_TABLES if t not in manifest.tables]
    out.append(integrity_check("rows.match_band", len(off) + len(absent), [],
                               detail="; ".join(off + absent)
                               or "users, conversations and messages equal the band"))
    unusable = {s.entry.table for s in states
                if not (s.present and s.readable and s.schema_ok)}
    return out, [t for t in manifest.tables if t not in unusable]
