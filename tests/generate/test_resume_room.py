"""Before a load (or a resumed generation's load), the PostgreSQL estimate is compared with the
embedded server's free disk: too little room is refused (exit 3), a remote server gets a note."""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path

import pytest

from synthgen.errors import EnvironmentProblem
from synthgen.generate import feasibility
from tests.fixtures.parquet import make_dataset

EMBEDDED = "postgresql://synthgen@127.0.0.1:54321/postgres"
Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    make_dataset(tmp_path / "d")
    return tmp_path / "d"


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """An embedded server at EMBEDDED whose disk has `free[0]` bytes free."""
    from synthgen.pg import server

    free = [0]
    st = server.ServerStatus(data_dir=tmp_path, initialized=True, running=True, port=54321,
                             pid=1)
    monkeypatch.setattr(server, "status", lambda *a, **k: st)
    monkeypatch.setattr(server, "dsn_for", lambda port: EMBEDDED)
    monkeypatch.setattr(feasibility.shutil, "disk_usage", lambda p: Usage(0, 0, free[0]))
    return free


def _needed(dataset: Path) -> int:
    return feasibility.postgres_estimate(dataset)


def test_too_small_a_disk_is_refused(dataset: Path, embedded: list[int]) -> None:
    embedded[0] = _needed(dataset) - 1  # one byte short
    with pytest.raises(EnvironmentProblem, match="embedded server's disk") as e:
        feasibility.room_for_load(dataset, EMBEDDED, resume=False)
    assert e.value.exit_code == 3


@pytest.mark.parametrize("factor", [1.5, 10.0])
def test_enough_room_passes(dataset: Path, embedded: list[int], factor: float) -> None:
    embedded[0] = int(_needed(dataset) * factor)
    note = feasibility.room_for_load(dataset, EMBEDDED, resume=False)
    assert "free on the embedded server's disk" in note


def test_remote_and_resumed_loads_get_a_note(dataset: Path, embedded: list[int]) -> None:
    embedded[0] = 1_000
    assert "remote server" in feasibility.room_for_load(dataset, "postgresql://h/db",
                                                        resume=False)
    assert "resumed load" in feasibility.room_for_load(dataset, EMBEDDED, resume=True)


def test_estimate_scales_with_rows(tmp_path: Path) -> None:
    make_dataset(tmp_path / "small", n_messages=2000)
    make_dataset(tmp_path / "big", n_messages=20000)
    assert _needed(tmp_path / "big") > 3 * _needed(tmp_path / "small") > 0
