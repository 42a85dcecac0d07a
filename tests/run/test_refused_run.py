"""A run refused at start leaves the earlier outputs, reports included, exactly as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.dataset import REPORT_HTML, REPORT_JSON, REPORT_MD
from synthgen.pipeline import runner
from tests.fixtures.parquet import make_dataset

REPORTS = (REPORT_JSON, REPORT_MD, REPORT_HTML)


@pytest.mark.parametrize("planted", [False, True], ids=["as-built", "planted-overwrite"])
def test_refused_run_keeps_the_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               planted: bool) -> None:
    out = tmp_path / "dev"
    make_dataset(out)  # a complete dataset from an earlier run
    before = {}
    for name in REPORTS:
        (out / name).write_text(f"the earlier good {name}\n")
        before[name] = ((out / name).read_bytes(), (out / name).stat().st_mtime_ns)
    if planted:  # the old behaviour: every failed run rewrote the report
        monkeypatch.setattr(runner, "refused", lambda e: False)
    result = CliRunner().invoke(app, ["run", "--band", "ci", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "already holds a complete dataset" in result.output
    after = {n: ((out / n).read_bytes(), (out / n).stat().st_mtime_ns) for n in REPORTS}
    assert (after == before) is not planted
