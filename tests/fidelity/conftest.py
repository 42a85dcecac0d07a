"""Fixtures for the fidelity gate: a tiny hand-made dataset, pristine and as a fresh copy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from synthgen.fidelity import validate_dataset
from synthgen.metrics import COLUMN_SHARES, METRICS
from tests.fixtures.parquet import build_tiny


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete small dataset that passes every integrity and PII check (do not mutate)."""
    return build_tiny(tmp_path_factory.mktemp("fidelity") / "tiny")


@pytest.fixture(scope="session")
def tiny_targets(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> dict[str, float]:
    """Targets equal to what the pristine tiny dataset achieves (its distribution checks pass)."""
    doc = validate_dataset(tiny_dataset, out=tmp_path_factory.mktemp("r") / "f.json")
    return {c["name"]: c["achieved"] for c in doc["checks"]
            if c["kind"] == "distribution" and c["achieved"] is not None
            and (c["name"] in METRICS or c["name"] in COLUMN_SHARES)}


@pytest.fixture
def tiny_copy(tiny_dataset: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny dataset to break."""
    return Path(shutil.copytree(tiny_dataset, tmp_path / "ds"))


def failed(doc: dict[str, Any]) -> set[str]:
    """Names of the checks that did not pass."""
    return {c["name"] for c in doc["checks"] if c["severity"] != "ok"}
