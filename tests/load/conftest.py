"""Datasets for the loader tests, built with pyarrow (tests/fixtures/parquet.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgen.dataset import Manifest
from tests.fixtures.parquet import make_dataset


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    """≈13k rows over four partitions per table; valid keys; jsonb, enums, nulls, ties."""
    root = tmp_path_factory.mktemp("small-dataset")
    return root, make_dataset(root)
