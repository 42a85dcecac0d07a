"""Validation progress: every check group reported in order, done = total at the end, and a
non-negative ETA that falls overall (weights are the manifest's row counts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgen.dataset import read_manifest
from synthgen.fidelity import validate_dataset
from synthgen.fidelity.progress import (
    GROUPS,
    INTEGRITY,
    PII,
    PREPARE,
    Tracker,
    ValidateProgress,
    describe,
    group_weights,
)


def _run(root: Path, out: Path) -> list[ValidateProgress]:
    calls: list[ValidateProgress] = []
    validate_dataset(root, out=out, progress=calls.append)
    return calls


def check_calls(calls: list[ValidateProgress]) -> None:
    """The properties the CLI relies on (raises AssertionError naming the first broken one)."""
    assert [c.group for c in calls[:-1]] == list(GROUPS), "every group, in order"
    assert [c.done for c in calls[:-1]] == list(range(len(GROUPS))), "done counts each group"
    last = calls[-1]
    assert last.done == last.total == len(GROUPS), "the final call says done = total"
    assert all(c.total == len(GROUPS) for c in calls)
    etas = [c.eta_s for c in calls if c.eta_s is not None]
    assert calls[0].eta_s is None, "no ETA before any group finished"
    assert len(etas) == len(calls) - 1
    assert all(e >= 0 for e in etas), f"negative ETA: {etas}"
    assert etas[-1] == 0.0, f"ETA not 0 when done: {etas}"
    assert etas[-1] <= etas[0], f"ETA not decreasing overall: {etas}"
    assert all(b.elapsed_s >= a.elapsed_s for a, b in zip(calls, calls[1:], strict=False))


def test_every_group_reported_in_order_to_done(tiny_dataset: Path, tmp_path: Path) -> None:
    calls = _run(tiny_dataset, tmp_path / "f.json")
    check_calls(calls)
    assert describe(calls[-1]).startswith(f"validated: {len(GROUPS)}/{len(GROUPS)} groups")
    assert f"1/{len(GROUPS)} groups done" in describe(calls[1])


def test_progress_is_optional_and_does_not_change_the_report(tiny_dataset: Path,
                                                              tmp_path: Path) -> None:
    with_cb = validate_dataset(tiny_dataset, out=tmp_path / "a.json", progress=lambda p: None)
    without = validate_dataset(tiny_dataset, out=tmp_path / "b.json")
    strip = {"elapsed_s"}
    assert {k: v for k, v in with_cb.items() if k not in strip} == \
        {k: v for k, v in without.items() if k not in strip}


def test_weights_are_the_rows_each_group_scans(tiny_dataset: Path) -> None:
    manifest = read_manifest(tiny_dataset)
    w = group_weights(manifest)
    every = sum(f.rows for f in manifest.files)
    assert list(w) == list(GROUPS)
    assert w[INTEGRITY] / w[PII] == pytest.approx(2 * 1.2)  # two passes over every row
    assert w[PII] == every
    assert w[PREPARE] == 2 * sum(manifest.table_rows(t)
                                 for t in ("messages", "conversation_users", "conversations"))


def _fake_run(weights: dict[str, float], seconds: dict[str, float]) -> list[ValidateProgress]:
    """A Tracker driven by a fake clock: each group takes its given seconds."""
    clock = [0.0]
    calls: list[ValidateProgress] = []
    tracker = Tracker(weights, calls.append, clock=lambda: clock[0])
    for g in GROUPS:
        tracker.start(g)
        clock[0] += seconds[g]
    tracker.finish()
    return calls


def test_eta_follows_row_weights() -> None:
    """Time proportional to weight: the ETA is exact at every boundary."""
    weights = {g: float(i + 1) for i, g in enumerate(GROUPS)}
    calls = _fake_run(weights, {g: 2 * w for g, w in weights.items()})
    check_calls(calls)
    total = sum(weights.values())
    done_w = 0.0
    for c, g in zip(calls[1:], GROUPS, strict=False):
        done_w += weights[g]
        assert c.eta_s == pytest.approx(2 * (total - done_w))


@pytest.mark.parametrize("fault", ["skip a group", "no final call", "negative eta"])
def test_the_check_catches_a_broken_sequence(fault: str) -> None:
    """Planted faults: each is rejected by check_calls."""
    weights = dict.fromkeys(GROUPS, 1.0)
    calls = _fake_run(weights, dict.fromkeys(GROUPS, 1.0))
    check_calls(calls)
    if fault == "skip a group":
        calls = calls[:2] + calls[3:]
    elif fault == "no final call":
        calls = calls[:-1]
    else:
        c = calls[2]
        calls[2] = ValidateProgress(c.group, c.done, c.total, c.elapsed_s, -1.0)
    with pytest.raises(AssertionError):
        check_calls(calls)


def test_the_run_stage_forwards_progress_lines(tiny_copy: Path) -> None:
    """``synthgen run``'s validate stage passes each report to its spinner as one line."""
    from types import SimpleNamespace

    from synthgen.pipeline.stages import validate

    lines: list[str] = []
    rec = SimpleNamespace(out=tiny_copy, opts=SimpleNamespace(tolerance="normal"),
                          events=SimpleNamespace(progress=lines.append))
    validate(rec)  # type: ignore[arg-type]
    assert [line.split(" (")[0] for line in lines[:-1]] == list(GROUPS)
    assert lines[-1].startswith(f"validated: {len(GROUPS)}/{len(GROUPS)} groups")
