"""Tolerance arithmetic and the decision rule, from tables of cases."""

from __future__ import annotations

import math

import pytest

from synthgen.errors import InputError
from synthgen.fidelity import distribution_checks
from synthgen.fidelity.targets import Target
from synthgen.fidelity.tolerance import (
    band_for,
    decide,
    deviation,
    parse_tolerance,
    severity,
    share_noise,
)


@pytest.mark.parametrize(("value", "name", "scale"), [
    ("strict", "strict", 1 / 3), ("normal", "normal", 1.0), ("relaxed", "relaxed", 2.0),
    (" Relaxed ", "relaxed", 2.0), ("0.5", "factor", 0.5), ("3", "factor", 3.0),
    (1.5, "factor", 1.5),
])
def test_parse_tolerance(value: str | float, name: str, scale: float) -> None:
    tol = parse_tolerance(value)
    assert tol.name == name
    assert tol.scale == pytest.approx(scale)


@pytest.mark.parametrize("value", ["loose", "", "0", "-1", "nan", "inf", 0.0, -2.0])
def test_parse_tolerance_rejects(value: str | float) -> None:
    with pytest.raises(InputError, match="tolerance"):
        parse_tolerance(value)


@pytest.mark.parametrize(("level", "scale", "noise", "band"), [
    ("strict", 1.0, 0.0, 0.05), ("normal", 1.0, 0.0, 0.15), ("relaxed", 1.0, 0.0, 0.30),
    ("normal", 1 / 3, 0.0, 0.05),   # --tolerance strict turns a normal metric into 5%
    ("normal", 2.0, 0.0, 0.30),     # --tolerance relaxed turns it into 30%
    ("strict", 2.0, 0.0, 0.10), ("relaxed", 0.5, 0.0, 0.15),
    ("strict", 1.0, 0.02, 0.06),    # noise floor: 3 standard errors win over 5%
    ("normal", 1.0, 0.02, 0.15),    # ... but not over 15%
])
def test_band_for(level: str, scale: float, noise: float, band: float) -> None:
    assert band_for(level, scale, noise) == pytest.approx(band)


@pytest.mark.parametrize(("target", "n", "expected"), [
    (0.5, 100, 0.1), (0.05, 400, math.sqrt(0.05 * 0.95 / 400) / 0.05), (0.5, 0, 0.0),
    (0.0, 100, 0.0), (1.0, 100, 0.0),
])
def test_share_noise(target: float, n: int, expected: float) -> None:
    assert share_noise(target, n) == pytest.approx(expected)


@pytest.mark.parametrize(("target", "achieved", "dev"), [
    (0.15, 0.15, 0.0), (0.15, 0.18, 0.2), (0.15, 0.12, 0.2), (100, 250, 1.5),
    (0.0, 0.0, 0.0), (0.0, 0.03, 0.03), (-2.0, -1.0, 0.5), (1.0, math.nan, math.inf),
])
def test_deviation(target: float, achieved: float, dev: float) -> None:
    assert deviation(target, achieved) == pytest.approx(dev)


@pytest.mark.parametrize(("dev", "band", "sev"), [
    (0.0, 0.15, "ok"), (0.15, 0.15, "ok"), (0.1501, 0.15, "warning"), (0.30, 0.15, "warning"),
    (0.3001, 0.15, "critical"), (math.inf, 0.15, "critical"), (0.06, 0.05, "warning"),
    (0.11, 0.05, "critical"),
])
def test_severity(dev: float, band: float, sev: str) -> None:
    assert severity(dev, band) == sev


D, INTEG, P = "distribution", "integrity", "pii"


@pytest.mark.parametrize(("checks", "go"), [
    ([], True),
    ([("a", D, "ok"), ("b", INTEG, "ok"), ("c", P, "ok")], True),
    ([("a", D, "warning")] * 3, True),                      # 3 warnings: still GO
    ([("a", D, "warning")] * 4, False),                     # more than 3: NO-GO
    ([("a", D, "critical")], False),                        # any critical
    ([("a", INTEG, "failed")], False),                          # any integrity failure
    ([("a", P, "failed"), ("b", D, "ok")], False),          # any PII finding
    ([("a", D, "warning")] * 3 + [("b", INTEG, "ok")], True),
])
def test_decision_rule(checks: list[tuple[str, str, str]], go: bool) -> None:
    decision = decide(checks)
    assert decision.go is go
    assert decision.label == ("GO" if go else "NO-GO")
    assert bool(decision.reasons) is not go


def test_reasons_name_the_checks() -> None:
    d = decide([("fk.messages.senderId", INTEG, "failed"), ("media.ratio", D, "critical"),
                *[(f"w{i}", D, "warning") for i in range(4)]])
    assert "integrity check failed: fk.messages.senderId" in d.reasons
    assert "critical deviation: media.ratio" in d.reasons
    assert any(r.startswith("4 warnings") and "w3" in r for r in d.reasons)


@pytest.mark.parametrize(("tolerance", "achieved", "sev"), [
    ("normal", 0.165, "ok"), ("normal", 0.18, "warning"), ("normal", 0.20, "critical"),
    ("strict", 0.18, "critical"), ("relaxed", 0.18, "ok"), ("relaxed", 0.22, "warning"),
    (4.0, 0.23, "ok"), (4.0, 0.30, "warning"),
])
def test_distribution_check_applies_scaled_band(tolerance: str | float, achieved: float,
                                                sev: str) -> None:
    targets = {"media.ratio": Target("media.ratio", 0.15, "normal", "spec", 0.15)}
    (check,) = distribution_checks(targets, {"media.ratio": (achieved, 10**7)},
                                   parse_tolerance(tolerance))
    assert check.severity == sev
    assert check.deviation == pytest.approx(abs(achieved - 0.15) / 0.15)


def test_infeasible_target_is_judged_against_achievable_and_flagged() -> None:
    t = Target("heavy_rooms.traffic_share", 0.48, "normal", "feasibility", 0.30,
               infeasible=True, reason="heavy rooms absorb the band total")
    (check,) = distribution_checks({t.metric: t}, {t.metric: (0.47, 60_000)},
                                   parse_tolerance("normal"))
    assert check.severity == "ok"
    assert check.infeasible
    assert check.target == 0.48
    assert check.spec_target == 0.30
    assert "absorb" in check.detail


def test_small_samples_widen_share_bands() -> None:
    t = Target("conversation_size.large_group_share", 0.05, "normal", "spec", 0.05)
    (small,) = distribution_checks({t.metric: t}, {t.metric: (0.07, 400)},
                                   parse_tolerance("normal"))
    (large,) = distribution_checks({t.metric: t}, {t.metric: (0.07, 400_000)},
                                   parse_tolerance("normal"))
    assert small.severity == "ok"
    assert large.severity == "critical"
