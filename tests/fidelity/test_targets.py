"""Targets derived from the spec (its predictions: tests/test_predict.py); feasibility; overrides."""

from __future__ import annotations

from typing import Any

import pytest

from synthgen.errors import InputError
from synthgen.fidelity.targets import LEVEL, parse_feasibility, resolve_targets, spec_targets
from synthgen.metrics import METRICS
from synthgen.spec import load_spec


def test_every_metric_has_a_level_and_a_spec_target() -> None:
    assert set(LEVEL) == set(METRICS)
    targets = spec_targets(load_spec(), 8000)
    assert set(targets) == set(METRICS)
    assert targets["heavy_rooms.count"] == 160
    assert targets["media.ratio"] == pytest.approx(0.15)
    assert targets["burstiness.goh_barabasi"] == pytest.approx(1.5 / 3.5)
    assert targets["content_length.median"] == pytest.approx(90.017, abs=0.01)


FEAS = {"targets": [
    {"metric": "heavy_rooms.traffic_share", "target": 0.3, "achievable": 0.48,
     "feasible": False, "reason": "band"},
    {"metric": "heavy_rooms.count", "target": 8.0, "achievable": 8.0, "feasible": True,
     "reason": ""}]}


def test_resolve_targets_sources() -> None:
    t = resolve_targets(load_spec(), 400, parse_feasibility(FEAS),
                        {"media.ratio": 0.2, "heavy_rooms.traffic_share": 0.5})
    assert (t["media.ratio"].value, t["media.ratio"].source) == (0.2, "override")
    # an override wins over feasibility: production says what the shape should be
    assert t["heavy_rooms.traffic_share"].source == "override"
    assert (t["heavy_rooms.count"].value, t["heavy_rooms.count"].source) == (8.0, "spec")
    t = resolve_targets(load_spec(), 400, parse_feasibility(FEAS))
    share = t["heavy_rooms.traffic_share"]
    assert (share.value, share.infeasible, share.spec_value) == (0.48, True, 0.3)


@pytest.mark.parametrize("raw", [
    [], {"targets": {}}, {"targets": [{"metric": "x"}]},
    {"targets": [{"metric": "x", "feasible": "no", "achievable": 1}]},
    {"targets": [{"metric": "x", "feasible": False, "achievable": True}]},
])
def test_malformed_feasibility_is_input_error(raw: Any) -> None:
    with pytest.raises(InputError, match=r"feasibility\.json"):
        parse_feasibility(raw)


def test_override_with_unknown_metric_is_input_error() -> None:
    with pytest.raises(InputError, match="media.ration"):
        resolve_targets(load_spec(), 400, None, {"media.ration": 0.1})
