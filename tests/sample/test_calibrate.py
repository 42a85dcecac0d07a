"""Calibration and the shape-metrics -> fidelity targets mapping, without a database."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synthgen.calibrate import calibrate, fidelity_targets
from synthgen.calibrate.fit import lognormal_from_quantiles
from synthgen.cli import app
from synthgen.metrics import METRICS, READ_FAN_OUT
from synthgen.spec import load_spec, spec_from_dict, spec_to_dict
from synthgen.spec_model import SizeMix
from tests.sample.test_gate import clean_doc


def shaped_doc() -> dict[str, Any]:
    """An export whose shapes differ from the default spec in known ways."""
    doc = clean_doc()
    m = doc["metrics"]
    m["conversation_size.classes"].update(counts=[0, 500, 400, 100], total=1000,
                                          shares=[0.0, 0.5, 0.4, 0.1])
    m["messages_per_conversation.quantiles"]["values"] = [4.0, 9.0, 19.0, 34.0, 52.0, None]
    q25, q75 = math.exp(3.4 - 0.7 * 0.6745), math.exp(3.4 + 0.7 * 0.6745)
    m["content_length.quantiles"]["values"] = [10.0, q25, math.exp(3.4), q75, 70.0, 90.0, None]
    m["message_type.mix"].update(shares=[0.75, 0.1, 0.05, 0.05, 0.05, 0.0, 0.0])
    m["time.hourly_peak_to_trough"] = 7.0
    m["reads.read_rate"] = 0.6
    m["reads.delivery_rate"] = 0.9
    m["heavy_rooms.count"] = None  # withheld: the base spec's value must survive
    return doc


def test_fidelity_targets_use_only_known_metric_names() -> None:
    targets = fidelity_targets(shaped_doc())
    assert set(targets) <= set(METRICS) | set(READ_FAN_OUT)
    assert targets["conversation_size.direct_share"] == 0.5
    assert targets["messages_per_conversation.p50"] == 9.0
    assert "messages_per_conversation.p99" not in targets  # withheld -> spec target stays
    assert "heavy_rooms.count" not in targets
    assert targets["media.ratio"] == pytest.approx(0.25)
    assert targets["reads.read_rate"] == 0.6


def test_calibrate_fits_what_it_can_and_keeps_the_rest() -> None:
    base = load_spec()
    spec, rows = calibrate(shaped_doc(), base)
    assert spec_from_dict(spec_to_dict(spec)) == spec  # valid, and survives serialisation
    assert spec.conversations.size_mix == SizeMix(direct=0.5, small_group=0.4, large_group=0.1)
    assert spec.messages.per_conversation.median == 9.0
    assert spec.messages.per_conversation.p95 == 52.0
    assert spec.content.length.mu == pytest.approx(3.4, abs=0.01)
    assert spec.content.length.sigma == pytest.approx(0.7, abs=0.01)
    assert spec.media.attachments_per_message.none == pytest.approx(0.75)
    assert spec.time.diurnal_peak_to_trough == 7.0
    assert spec.reads.read_rate == 0.6
    # not informed by any metric: untouched
    assert spec.messages.heavy_rooms == base.messages.heavy_rooms
    assert spec.users.email_domains == base.users.email_domains
    assert spec.tables == base.tables
    assert any(r[2] == "conversations.size_mix.direct" for r in rows)


def test_calibrating_on_nothing_keeps_the_base_spec() -> None:
    base = load_spec()
    spec, rows = calibrate({"format": "synthgen.shape-metrics", "metrics": {}}, base)
    assert (spec, rows) == (base, [])


def test_lognormal_from_quantiles_inverts() -> None:
    mu, sigma = lognormal_from_quantiles(math.exp(2 - 0.5 * 0.6744897501960817), math.exp(2),
                                         math.exp(2 + 0.5 * 0.6744897501960817))
    assert (mu, sigma) == (pytest.approx(2), pytest.approx(0.5))


def test_calibrate_cli_writes_a_valid_spec(tmp_path: Path) -> None:
    metrics = tmp_path / "shape-metrics.json"
    metrics.write_text(json.dumps(shaped_doc()))
    out = tmp_path / "calibrated.json"
    result = CliRunner().invoke(app, ["spec", "calibrate", str(metrics), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "conversations.size_mix.direct" in result.output
    spec = load_spec(out)
    assert spec.conversations.size_mix.direct == 0.5


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": "something else"}'])
def test_calibrate_cli_refuses_bad_input(tmp_path: Path, content: str) -> None:
    metrics = tmp_path / "m.json"
    metrics.write_text(content)
    result = CliRunner().invoke(app, ["spec", "calibrate", str(metrics), "--out",
                                      str(tmp_path / "o.json")])
    assert result.exit_code == 2
    assert not (tmp_path / "o.json").exists()


def test_predicted_comes_from_the_fitted_spec_and_shows_a_bad_fit() -> None:
    """A weekday/weekend ratio below the spec's floor cannot be fitted: the predicted column
    (the fitted calendar's own ratio) shows the gap instead of repeating the measurement."""
    from synthgen.calibrate.fit import calendar_predictions

    doc = shaped_doc()
    for measured in (1.0001e-4, 0.5):
        doc["metrics"]["time.weekday_to_weekend"] = measured
        spec, rows = calibrate(doc, load_spec())
        (row,) = [r for r in rows if r[0] == "time.weekday_to_weekend"]
        predicted = calendar_predictions(spec, 30)["time.weekday_to_weekend"]
        assert row[4] == pytest.approx(predicted)
        if measured < 1e-3:  # clamped: prediction and measurement far apart
            assert abs(row[4] - measured) > 1e-4
        else:  # fitted: the prediction reproduces it
            assert row[4] == pytest.approx(measured, rel=0.05)


def test_targets_the_generator_does_not_read_are_not_printed_as_fitted() -> None:
    doc = shaped_doc()
    doc["metrics"]["messages_per_conversation.quantiles"]["values"][-1] = 90.0
    doc["metrics"]["heavy_rooms.traffic_share"] = 0.2
    spec, rows = calibrate(doc, load_spec())
    by = {r[0]: r for r in rows}
    for metric in ("messages_per_conversation.p99", "heavy_rooms.traffic_share"):
        assert by[metric][2].endswith("(target only)")
        assert by[metric][3] is None
        assert by[metric][4] is None
    assert spec.messages.targets.p99 == 90.0
