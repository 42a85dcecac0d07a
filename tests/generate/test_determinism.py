"""Same seed + spec + band ⇒ same bytes, whatever the worker count or batch size."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synthgen.dataset import read_manifest
from synthgen.generate import generate_dataset
from synthgen.schema import TABLE_NAMES

pytestmark = pytest.mark.slow  # every test generates the ci band

# Content hash of the `ci` band for seed "golden" (rows sorted by id, every column as text).
# It changes only when generation changes on purpose: update it in the same commit, and say
# why in the commit message. It depends on numpy's random streams (recorded in
# generation.json), not on Parquet encoding.
GOLDEN_SEED = "golden"
GOLDEN_CONTENT_SHA256 = "b7a7e52e4c16766e62040bcac03fa4c7f11c93efbdc73e711e21432e94e2e7aa"


def checksums(root: Path) -> dict[str, str]:
    return {f.path: f.sha256 for f in read_manifest(root).files}


def content_hash(root: Path) -> str:
    """sha256 over every table's rows in id order, columns rendered as text."""
    import pyarrow.compute as pc

    h = hashlib.sha256()
    for t in TABLE_NAMES:
        table = pq.read_table(root / t).drop_columns(["part"]) if (root / t).is_dir() else None
        assert table is not None
        table = table.sort_by("id")
        for name in table.column_names:
            col = pc.fill_null(pc.cast(table[name], "string"), "\x00")
            h.update(name.encode())
            h.update("\x1e".join(col.to_pylist()).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("det")
    a, b, c = base / "w1", base / "w2", base / "small-batches"
    generate_dataset(a, "ci", "determinism", workers=1)
    generate_dataset(b, "ci", "determinism", workers=2)
    generate_dataset(c, "ci", "determinism", workers=1, batch_rows=1_000)
    return a, b, c


def test_workers_do_not_change_bytes(two_runs: tuple[Path, Path, Path]) -> None:
    a, b, _ = two_runs
    assert checksums(a) == checksums(b)


def test_batch_size_does_not_change_bytes(two_runs: tuple[Path, Path, Path]) -> None:
    a, _, c = two_runs
    assert checksums(a) == checksums(c)


def test_other_seed_other_data(two_runs: tuple[Path, Path, Path], ci_dataset: Path) -> None:
    a, _, _ = two_runs
    assert set(checksums(a).values()).isdisjoint(checksums(ci_dataset).values())


def test_ids_are_reproducible_not_random(two_runs: tuple[Path, Path, Path]) -> None:
    a, b, _ = two_runs
    ids_a = pq.read_table(a / "messages" / "part=00000" / "data.parquet", columns=["id"])
    ids_b = pq.read_table(b / "messages" / "part=00000" / "data.parquet", columns=["id"])
    assert ids_a.equals(ids_b)


def test_generation_report_records_provenance(two_runs: tuple[Path, Path, Path]) -> None:
    a, _, _ = two_runs
    report = json.loads((a / "generation.json").read_text())
    assert report["seed"] == "determinism"
    assert (a / "seed.txt").read_text().strip() == "determinism"
    assert set(report["versions"]) >= {"synthgen", "numpy", "pyarrow"}
    assert report["rows"]["messages"] == 60_000
    assert report["spec_hash"] == read_manifest(a).spec_hash


def test_golden_content_hash(tmp_path: Path) -> None:
    generate_dataset(tmp_path / "g", "ci", GOLDEN_SEED, workers=1)
    assert content_hash(tmp_path / "g") == GOLDEN_CONTENT_SHA256
