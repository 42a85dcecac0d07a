"""``synthgen validate`` through Typer's CliRunner (exit codes, output) and one subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synthgen.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_go_exits_0_and_prints_the_table(ci_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "fidelity.json"
    result = runner.invoke(app, ["validate", str(ci_dataset), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "fidelity: GO" in result.stdout
    assert "media.ratio" in result.stdout
    assert json.loads(out.read_text())["decision"] == "GO"


@pytest.mark.slow
def test_json_output(ci_dataset: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(ci_dataset), "--json", "--out",
                                 str(tmp_path / "f.json")])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["decision"] == "GO"
    assert doc == json.loads((tmp_path / "f.json").read_text())


def test_no_go_exits_1_with_one_line_reason(tiny_copy: Path) -> None:
    # Judged against the spec, the tiny hand-made dataset misses several shapes.
    result = runner.invoke(app, ["validate", str(tiny_copy)])
    assert result.exit_code == 1
    assert "fidelity: NO-GO" in result.stdout
    assert result.stderr.count("\n") == 1
    assert "fidelity NO-GO: outside its band:" in result.stderr
    assert (tiny_copy / "fidelity.json").is_file()


@pytest.mark.slow
def test_tolerance_changes_the_verdict(ci_dataset: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "f.json")
    tight = runner.invoke(app, ["validate", str(ci_dataset), "--tolerance", "0.01", "--json",
                                "--out", out])
    assert tight.exit_code == 1
    assert json.loads(tight.stdout)["tolerance"] == {"name": "factor", "scale": 0.01}
    loose = runner.invoke(app, ["validate", str(ci_dataset), "--tolerance", "relaxed", "--out",
                                out])
    assert loose.exit_code == 0


def _bad_json(tmp: Path) -> list[str]:
    bad = tmp / "bad.json"
    bad.write_text("{nope")
    return ["--spec", str(bad)]


@pytest.mark.parametrize(("case", "message"), [
    ("missing dir", "not found"),
    ("no manifest", "manifest.json"),
    ("bad tolerance", "--tolerance"),
    ("missing spec", "spec file not found"),
    ("malformed spec", "not valid JSON"),
    ("missing --against", "shape metrics file not found"),
    ("--against not an export", "is not a synthgen shape-metrics export"),
])
def test_bad_input_exits_2(case: str, message: str, tiny_copy: Path, tmp_path: Path) -> None:
    target, extra = str(tiny_copy), []
    if case == "missing dir":
        target = str(tmp_path / "nowhere")
    elif case == "no manifest":
        (tiny_copy / "manifest.json").unlink()
    elif case == "bad tolerance":
        extra = ["--tolerance", "loose"]
    elif case == "missing spec":
        extra = ["--spec", str(tmp_path / "nope.json")]
    elif case == "malformed spec":
        extra = _bad_json(tmp_path)
    elif case == "missing --against":
        extra = ["--against", str(tmp_path / "shape.json")]
    elif case == "--against not an export":
        (tmp_path / "other.json").write_text(json.dumps({"format": "x"}))
        extra = ["--against", str(tmp_path / "other.json")]
    result = runner.invoke(app, ["validate", target, *extra])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_against_uses_production_targets(ci_dataset: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import synthgen.calibrate

    seen: list[dict[str, Any]] = []

    def fake(metrics: dict[str, Any]) -> dict[str, float]:
        seen.append(metrics)
        return {"media.ratio": 0.40}

    monkeypatch.setattr(synthgen.calibrate, "fidelity_targets", fake)
    shape = tmp_path / "shape-metrics.json"
    export = {"format": "synthgen.shape-metrics", "metrics": {}}
    shape.write_text(json.dumps(export))
    result = runner.invoke(app, ["validate", str(ci_dataset), "--against", str(shape),
                                 "--json", "--out", str(tmp_path / "f.json")])
    assert seen == [export]
    assert result.exit_code == 1
    media = next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "media.ratio")
    assert (media["target"], media["source"], media["severity"]) == (0.4, "override", "critical")


@pytest.mark.slow
def test_real_subprocess(ci_dataset: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "synthgen", "validate", str(ci_dataset),
                           "--out", str(tmp_path / "f.json")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "fidelity: GO" in proc.stdout


@pytest.mark.slow
def test_spec_option_keeps_the_band_overrides(ci_dataset: Path, tmp_path: Path) -> None:
    from synthgen.spec import DEFAULT_SPEC_PATH

    # The shipped spec's heavy-room floor is 10,000; the ci band overrides it to 2,000.
    result = runner.invoke(app, ["validate", str(ci_dataset), "--spec", str(DEFAULT_SPEC_PATH),
                                 "--json", "--out", str(tmp_path / "f.json")])
    doc = json.loads(result.stdout)
    heavy = next(c for c in doc["checks"] if c["name"] == "heavy_rooms.count")
    assert heavy["achieved"] == heavy["target"] == 8
