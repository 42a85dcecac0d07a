"""The on-disk dataset contract shared by every stage after generation.

Layout of a dataset directory::

    <dir>/manifest.json                written last: a dataset without it is incomplete
    <dir>/generation.json              generation report (seed, spec hash, band, versions ...)
    <dir>/seed.txt                     the seed string, archived beside the data
    <dir>/spec.json                    the fully resolved spec the data was generated from
    <dir>/band.json                    the band, as resolved (``bands.Band.to_json``)
    <dir>/feasibility.json             what the band can achieve (the spec check's report)
    <dir>/<table>/part=<NNNNN>/data.parquet

and, beside the data, what later stages wrote about it (``RUN_FILES``): ``fidelity.json``
(gate 1), ``spec-check.json``, ``load.json``, ``baseline-pre.json``, ``baseline-post.json``,
``indexes-apply.json``, ``compare.json`` (gate 2), ``run-state.json`` and
``report.{json,md,html}``. They describe this dataset, so regenerating it clears them.

Partitions are hive-style, so ``read_parquet('<dir>/messages/**/*.parquet',
hive_partitioning=true)`` works in DuckDB, Polars and Spark; the ``part`` column that adds
is not a database column. Within a conversation-scoped partition (every table but users)
rows of ``messages`` are sorted by ``createdAt``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.errors import DatasetError
from synthgen.schema import TABLE_NAMES

if TYPE_CHECKING:
    from synthgen.generate.output import RemoteFile

FORMAT = "synthgen-dataset/1"

# -- the names in a dataset directory (every module spells them through these) --------------
MANIFEST = "manifest.json"
GENERATION = "generation.json"
SEED = "seed.txt"
SPEC = "spec.json"
BAND = "band.json"
FEASIBILITY = "feasibility.json"
FIDELITY = "fidelity.json"
SPEC_CHECK = "spec-check.json"
LOAD = "load.json"
BASELINE_PRE = "baseline-pre.json"
BASELINE_POST = "baseline-post.json"
WORKLOAD_PRE = "workload-pre.json"
WORKLOAD_POST = "workload-post.json"
INDEXES_APPLY = "indexes-apply.json"
COMPARE = "compare.json"
RUN_STATE = "run-state.json"
REPORT_JSON, REPORT_MD, REPORT_HTML = "report.json", "report.md", "report.html"
REPORTS_DIR = "reports"
"""``reports/<target>/report.*``: each target's latest complete report (``report.*`` beside
the data is the latest run's, whatever its target)."""
SEED_HINT = ".run-seed"
"""The seed of a generation in progress (a dot file: the generator leaves dot files alone)."""

META_FILES = frozenset({GENERATION, SEED, SPEC, BAND, FEASIBILITY})
"""What the generator writes beside the Parquet files (the manifest comes last)."""
RUN_FILES = frozenset({FIDELITY, SPEC_CHECK, LOAD, BASELINE_PRE, BASELINE_POST, INDEXES_APPLY,
                       COMPARE, RUN_STATE, REPORT_JSON, REPORT_MD, REPORT_HTML, REPORTS_DIR})
"""What later stages write about the dataset: the generator tolerates them in its directory
and clears them with the old dataset (they would describe data that no longer exists)."""
ENTRIES = frozenset(TABLE_NAMES) | META_FILES | RUN_FILES | {MANIFEST}
"""Every name a dataset directory may hold; anything else (bar dot files) is not ours."""


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
    inputs: dict[str, str] = field(default_factory=dict)
    """sha256 of each INPUT_FILES document beside the data (the gate verifies them)."""

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
                "inputs": dict(self.inputs), "tables": tables,
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


INPUT_FILES = (SPEC, BAND, FEASIBILITY)
"""The documents the gate judges by: their hashes are in the manifest, so none can be edited
to excuse the data."""


def sha256_text(text: str) -> str:
    """sha256 of a document as written (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    """sha256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_remote(root: Path | str) -> bool:
    """Whether ``root`` is a filesystem URL (s3://, gs://, ...) rather than a local path.

    Local paths take the same code as always; only a URL goes through the filesystem layer
    (``synthgen.generate.output``, the one owner of URLs, credentials and their errors).
    """
    from synthgen.generate.output import is_url

    return isinstance(root, str) and is_url(root)


def shown(root: Path | str) -> str:
    """How a dataset location is printed and recorded: a URL without its credentials."""
    if is_remote(root):
        from synthgen.generate.output import safe

        return safe(str(root))
    return str(root)


def recorded(root: Path | str) -> str:
    """How the load ledger and audit name a dataset: an absolute path, or the URL (without
    credentials)."""
    return shown(root) if is_remote(root) else str(Path(root).resolve())


def is_complete(root: Path | str) -> bool:
    """True when the directory has a manifest (written last, so the dataset is whole)."""
    if is_remote(root):
        from synthgen.generate import output

        with output.reading(str(root)):
            return output.is_file(str(root), MANIFEST)
    return (Path(root) / MANIFEST).is_file()


def read_manifest(root: Path | str) -> Manifest:
    """Read a dataset's manifest, local or at a URL; DatasetError when missing or malformed.

    At a URL an unreachable endpoint or a refused credential is EnvironmentProblem (exit 3).
    """
    if is_remote(root):
        return _parse_manifest(read_document(root, MANIFEST), f"{shown(root)}/{MANIFEST}")
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset directory not found: {root}")
    path = root / MANIFEST
    if not path.is_file():
        raise DatasetError(f"{root} has no {MANIFEST}: not a complete synthgen dataset "
                           "(generation was interrupted, or this is not a dataset)")
    return _parse_manifest(read_json(path), str(path))


def _parse_manifest(raw: Any, path: str) -> Manifest:
    try:
        if raw.get("format") != FORMAT:
            raise DatasetError(f"{path}: unknown format {raw.get('format')!r}, "
                               f"expected {FORMAT!r}")
        files = tuple(FileEntry(table=f["table"], partition=int(f["partition"]), path=f["path"],
                                rows=int(f["rows"]), bytes=int(f["bytes"]), sha256=f["sha256"])
                      for f in raw["files"])
        inputs = raw.get("inputs", {})
        if not isinstance(inputs, dict) or not all(
                k in INPUT_FILES and isinstance(v, str) for k, v in inputs.items()):
            raise ValueError(f"'inputs' must map {', '.join(INPUT_FILES)} to sha256 strings")
        for f in files:  # names reach SQL and file paths later: only exact layout names pass
            if f.table not in TABLE_NAMES or f.partition < 0 \
                    or f.path != partition_file(f.table, f.partition):
                raise ValueError(f"file entry {f.table!r} {f.path!r} is not a partition file of "
                                 "a known table")
        return Manifest(format=raw["format"], seed=raw["seed"], band=raw["band"],
                        spec_hash=raw["spec_hash"], synthgen_version=raw["synthgen_version"],
                        files=files, inputs=dict(inputs))
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise DatasetError(f"{path} is malformed: {e}") from None


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Write the manifest atomically: the last step of a generation."""
    write_json(root / MANIFEST, manifest.to_json())


def write_text(path: Path, text: str) -> None:
    """Write a file atomically (temporary name in the same directory, then rename).

    A reader never sees half a file, and a crash leaves the previous version in place.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_json(path: Path, doc: Any, *, indent: int = 1,
               default: Callable[[Any], Any] | None = None) -> None:
    """Write a JSON document atomically, newline-terminated.

    ``indent`` keeps each file's historical layout (generation metadata uses 2, the rest 1);
    ``default=str`` is for documents that carry dates or paths.
    """
    write_text(path, json.dumps(doc, indent=indent, default=default) + "\n")


def read_json(path: Path) -> Any:
    """Parse a JSON file; DatasetError naming the file when it is missing or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{path.parent} has no {path.name}: not a complete synthgen "
                           "dataset") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        where = f"line {e.lineno}: {e.msg}" if isinstance(e, json.JSONDecodeError) else str(e)
        raise DatasetError(f"{path} is not valid JSON: {where}") from None


def read_document(root: Path | str, name: str) -> Any:
    """A JSON document beside the data (``MANIFEST``, ``BAND`` ...), local or at a URL."""
    if not is_remote(root):
        return read_json(Path(root) / name)
    from synthgen.generate import output

    where = f"{shown(root)}/{name}"
    try:
        with output.reading(str(root)):
            raw = output.read_bytes(str(root), name)
    except FileNotFoundError:
        raise DatasetError(f"{shown(root)} has no {name}: not a complete synthgen dataset "
                           "(generation was interrupted, or this is not a dataset)") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        at = f"line {e.lineno}: {e.msg}" if isinstance(e, json.JSONDecodeError) else str(e)
        raise DatasetError(f"{where} is not valid JSON: {at}") from None


def write_document(root: Path | str, name: str, doc: Any) -> None:
    """Write a JSON document beside the data (``write_json``'s layout), local or at a URL."""
    if not is_remote(root):
        write_json(Path(root) / name, doc)
        return
    from synthgen.generate import output

    with output.reading(str(root), "write"):
        output.write_bytes(str(root), name, (json.dumps(doc, indent=1) + "\n").encode("utf-8"))


def has_file(root: Path | str, rel: str) -> bool:
    """Whether the dataset holds the file ``rel`` (local or at a URL)."""
    if not is_remote(root):
        return (Path(root) / rel).is_file()
    from synthgen.generate import output

    with output.reading(str(root)):
        return output.is_file(str(root), rel)


def file_sha256(root: Path | str, rel: str) -> str:
    """sha256 of one file of the dataset, streamed (local or at a URL)."""
    if not is_remote(root):
        return sha256_file(Path(root) / rel)
    from synthgen.generate import output

    with output.reading(str(root)):
        return output.digest(str(root), rel)[1]


def file_at(root: Path | str, rel: str) -> Path | RemoteFile:
    """What readers open for the file ``rel``: a local Path, or a RemoteFile at a URL."""
    if is_remote(root):
        from synthgen.generate.output import RemoteFile

        return RemoteFile(str(root), rel)
    return Path(root) / rel


def parquet_listing(root: Path | str) -> dict[str, int]:
    """Bytes of every ``<table>/<partition>/<file>.parquet`` the dataset holds, by relative
    path: what the filesystem has, listed or not in the manifest (one listing per table)."""
    if not is_remote(root):
        base = Path(root)
        return {p.relative_to(base).as_posix(): p.stat().st_size for t in TABLE_NAMES
                for p in base.glob(f"{t}/*/*.parquet")}
    import pyarrow.fs as pafs

    from synthgen.generate import output

    out: dict[str, int] = {}
    prefix = output.path(str(root)) + "/"
    with output.reading(str(root)):
        for table in TABLE_NAMES:
            for fi in output.listdir(str(root), table, recursive=True):
                rel = fi.path.removeprefix(prefix)
                if fi.type == pafs.FileType.File and rel.endswith(".parquet") \
                        and rel.count("/") == 2:
                    out[rel] = fi.size
    return out
