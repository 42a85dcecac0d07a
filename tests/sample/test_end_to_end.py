"""Production shape -> sample -> calibrate -> generate -> validate --against -> GO.

Needs the generator and the fidelity gate; skipped (with the reason) only while either
cannot be imported.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.spec import load_spec

_MISSING = [m for m in ("synthgen.generate", "synthgen.fidelity")
            if importlib.util.find_spec(m) is None]

pytestmark = [
    pytest.mark.db,
    pytest.mark.slow,
    pytest.mark.skipif(bool(_MISSING), reason=f"needs {', '.join(_MISSING)} (not landed yet)"),
]

CONVERSATIONS = 2_000


def band_like(doc: dict[str, object], path: Path) -> Path:
    """A band with production's per-conversation ratios (band totals are exact by contract)."""
    pop = doc["metrics"]  # type: ignore[index]
    convs = float(pop["population.active_conversations"])  # type: ignore[index]
    messages = round(CONVERSATIONS * float(pop["population.messages"]) / convs)  # type: ignore[index]
    users = round(CONVERSATIONS * float(pop["population.users"]) / convs)  # type: ignore[index]
    path.write_text(f'name = "production-like"\nusers = {users}\nconversations = {CONVERSATIONS}\n'
                    f"messages = {messages}\nwindow_days = 30\n"
                    'window_end = "2026-11-01T00:00:00"\npartition_messages = 10000\n'
                    "users_per_partition = 2000\n")
    return path


def test_production_shape_round_trip(export: tuple[Path, dict[str, object]],
                                     tmp_path: Path) -> None:
    from synthgen.generate import generate_dataset

    shape, _ = export
    runner = CliRunner()
    calibrated = tmp_path / "calibrated.json"
    result = runner.invoke(app, ["spec", "calibrate", str(shape), "--out", str(calibrated)])
    assert result.exit_code == 0, result.output
    spec = load_spec(calibrated)
    # the planted shape differences are visible in the calibrated spec
    assert spec.conversations.size_mix.direct == pytest.approx(0.5, abs=0.01)
    assert spec.conversations.size_mix.small_group == pytest.approx(0.4, abs=0.01)
    assert spec.content.length.mu == pytest.approx(3.4, abs=0.15)
    assert spec.content.length.sigma == pytest.approx(0.7, abs=0.1)
    assert spec.media.type_mix.video == pytest.approx(0.3, abs=0.05)
    assert spec.time.peak_hours_utc == [[1, 6]]
    assert spec.time.diurnal_peak_to_trough > 4
    assert spec.reads.read_rate == pytest.approx(0.648, abs=0.05)
    assert spec.reads.latency.immediate.share == pytest.approx(0.6, abs=0.05)

    band = band_like(json.loads(shape.read_text()), tmp_path / "band.toml")
    data = tmp_path / "data"
    generate_dataset(data, str(band), "production-round-trip", spec_path=calibrated)
    result = runner.invoke(app, ["validate", str(data), "--against", str(shape)])
    assert result.exit_code == 0, result.output
    assert "NO-GO" not in result.output


def test_production_shape_round_trip_with_epsilon(pg_dsn: str, prod_schema: str,
                                                  tmp_path: Path) -> None:
    """The same round trip from a user-level DP export (ε = 1): a 400-user production is
    far too small for its noise floor, so nearly everything is withheld and calibration keeps
    the base spec; the chain must still run and judge GO against what was published."""
    from synthgen.generate import generate_dataset
    from synthgen.sample import sample

    shape = tmp_path / "dp-shape.json"
    summary = sample(pg_dsn, prod_schema, 30, 10, 1.0, shape)
    doc = json.loads(shape.read_text())
    assert doc["epsilon"] == 1.0
    assert doc["epsilon_spent"] == pytest.approx(1.0)
    assert doc["metrics"]["read_latency.histogram"]["total"] is None  # under the noise floor
    assert summary["statements"] == 5
    runner = CliRunner()
    calibrated = tmp_path / "calibrated.json"
    result = runner.invoke(app, ["spec", "calibrate", str(shape), "--out", str(calibrated)])
    assert result.exit_code == 0, result.output
    load_spec(calibrated)
    # nothing about production's size survives the noise floor: generate the CI band
    data = tmp_path / "data"
    generate_dataset(data, "ci", "production-round-trip-dp", spec_path=calibrated)
    result = runner.invoke(app, ["validate", str(data), "--against", str(shape)])
    assert result.exit_code == 0, result.output
    assert "NO-GO" not in result.output
