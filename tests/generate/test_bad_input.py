"""Bad specs and bands: one clear error naming the path, exit 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synthgen.bands import band_from_dict
from synthgen.cli import app
from synthgen.errors import InputError, SpecError
from synthgen.spec import DEFAULT_SPEC_PATH, apply_overrides, spec_from_dict

BASE: dict[str, Any] = json.loads(DEFAULT_SPEC_PATH.read_text())

BAD_SPECS = [
    ({"content.length.sigma": -1.2}, "content.length.sigma: must be > 0, got -1.2"),
    ({"conversations.size_mix.direct": 0.5}, "conversations.size_mix: shares must sum to 1"),
    ({"media.type_mix.image": 0.9}, "media.type_mix: shares must sum to 1"),
    ({"reads.read_rate": "high"}, "reads.read_rate: expected a number"),
    ({"reads.read_rate": 0.99}, "reads.read_rate: must be <= delivery_rate"),
    ({"conversations.small_group.min_members": 30}, "small_group.min_members: must be <="),
    ({"content.length.min": 9000}, "content.length.min: must be <= max"),
    ({"messages.per_conversation.p95": 10}, "per_conversation.p95: must be > median"),
    ({"time.peak_hours_utc": [[22, 3]]}, "time.peak_hours_utc[0]: must be [start, end)"),
    ({"mesages": {}}, "mesages: unknown key; did you mean 'messages'"),
    ({"reads.latency.delayed.sigmaa": 1}, "delayed.sigmaa: unknown key; did you mean 'sigma'"),
    ({"tables.message_reads": 1}, "tables.message_reads: expected true or false"),
    ({"users.history_days": 1.5}, "users.history_days: expected an integer"),
    ({"version": 2}, "version: must be <= 1"),
]


@pytest.mark.parametrize(("override", "message"), BAD_SPECS)
def test_bad_spec_names_the_path(override: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match="spec error at") as info:
        spec_from_dict(apply_overrides(BASE, override))
    assert message in str(info.value)


BAD_BANDS = [
    ({"users": 0}, "at users: must be >= 1"),
    ({"messages": "many"}, "at messages: wrong type"),
    ({"window_end": "yesterday"}, "at window_end: not an ISO date"),
    ({"partition_mesages": 5}, "unknown key; did you mean 'partition_messages'"),
    ({"conversations": None}, "wrong type"),
]


@pytest.mark.parametrize(("change", "message"), BAD_BANDS)
def test_bad_band_names_the_key(change: dict[str, Any], message: str) -> None:
    raw: dict[str, Any] = {"name": "x", "users": 10, "conversations": 5, "messages": 100,
                           "window_days": 7, "window_end": "2026-01-01T00:00:00", **change}
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(InputError) as info:
        band_from_dict(raw)
    assert message in str(info.value) or "missing required key" in str(info.value)


runner = CliRunner()


def test_cli_bad_spec_exits_2_with_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "spec.json"
    bad.write_text(json.dumps(apply_overrides(BASE, {"content.length.sigma": -1})))
    result = runner.invoke(app, ["generate", "--band", "ci", "--seed", "s", "--out",
                                 str(tmp_path / "o"), "--spec", str(bad)])
    assert result.exit_code == 2
    assert "content.length.sigma" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_cli_unknown_band_suggests(tmp_path: Path) -> None:
    result = runner.invoke(app, ["spec", "check", "--band", "deev"])
    assert result.exit_code == 2
    assert "did you mean 'dev'" in result.output


def test_cli_malformed_json_spec(tmp_path: Path) -> None:
    bad = tmp_path / "spec.json"
    bad.write_text("{not json")
    result = runner.invoke(app, ["spec", "check", "--band", "ci", "--spec", str(bad)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_spec_check_exit_codes() -> None:
    # dev: p99 and heavy-room share are infeasible by construction -> 1, resolved target shown
    result = runner.invoke(app, ["spec", "check", "--band", "dev", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    bad = {t["metric"]: t for t in report["targets"] if not t["feasible"]}
    assert set(bad) == {"messages_per_conversation.p99", "heavy_rooms.traffic_share"}
    assert bad["messages_per_conversation.p99"]["resolved"] >= 10_000
    assert report["estimates"]["messages"]["rows"] == 5_000_000


def test_spec_check_consistent_spec_exits_0(tmp_path: Path) -> None:
    # a spec whose count targets the band can meet
    spec = apply_overrides(BASE, {"messages.targets.p99": 23_000,
                                  "messages.targets.heavy_traffic_share": 0.87})
    path = tmp_path / "s.json"
    path.write_text(json.dumps(spec))
    result = runner.invoke(app, ["spec", "check", "--band", "dev", "--spec", str(path),
                                 "--seed", "spec-check"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow  # generates the ci band (twice)
def test_generate_refuses_to_overwrite_then_force(tmp_path: Path) -> None:
    out = tmp_path / "d"
    args = ["generate", "--band", "ci", "--seed", "s", "--out", str(out), "--workers", "1",
            "--json"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "--force" in again.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_generate_refuses_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    result = runner.invoke(app, ["generate", "--band", "ci", "--seed", "s", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2
    assert (tmp_path / "thesis.tex").read_text() == "precious"


@pytest.mark.slow
def test_interrupted_dataset_is_not_complete(tmp_path: Path) -> None:
    from synthgen.dataset import is_complete, read_manifest
    from synthgen.errors import DatasetError
    from synthgen.generate import generate_dataset

    generate_dataset(tmp_path / "d", "ci", "s")
    (tmp_path / "d" / "manifest.json").unlink()  # what a crash before the last step leaves
    assert not is_complete(tmp_path / "d")
    with pytest.raises(DatasetError, match="not a complete synthgen dataset"):
        read_manifest(tmp_path / "d")
    generate_dataset(tmp_path / "d", "ci", "s")  # and a rerun completes it without --force
    assert is_complete(tmp_path / "d")


@pytest.mark.slow
def test_real_subprocess_generate(tmp_path: Path) -> None:
    out = tmp_path / "sub"
    proc = subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci", "--seed",
                           "sub", "--out", str(out), "--workers", "2"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "60,000" in proc.stdout
    assert (out / "manifest.json").is_file()
