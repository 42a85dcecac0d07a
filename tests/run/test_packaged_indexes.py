"""The default index candidate ships inside the package; the repository's copy is its example."""

from __future__ import annotations

from pathlib import Path

import pytest

import synthgen
from synthgen.errors import InputError
from synthgen.pipeline.options import DEFAULT_INDEXES, RunOptions
from tests.run.conftest import ROOT


@pytest.mark.parametrize("name", ["phase-2.sql", "phase-2.rollback.sql"])
def test_package_index_files_equal_the_repository_example(name: str) -> None:
    """Edit indexes/ and copy it into synthgen/indexes/ (or the other way): they must agree."""
    shipped = DEFAULT_INDEXES.with_name(name)
    assert shipped.is_file(), shipped
    assert shipped.read_bytes() == (ROOT / "indexes" / name).read_bytes(), (
        f"synthgen/indexes/{name} differs from indexes/{name}: copy the edited one over")


def test_default_index_file_is_package_data(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    package = Path(synthgen.__file__).resolve().parent
    assert DEFAULT_INDEXES.resolve().relative_to(package).as_posix() == "indexes/phase-2.sql"
    monkeypatch.chdir(tmp_path)  # found wherever the user stands
    RunOptions(band="ci").check()


def test_missing_index_file_is_named_with_its_absolute_path(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=str(tmp_path / "mine.sql")):
        RunOptions(band="ci", indexes=Path("mine.sql")).check()
