"""The spec's ``workload`` section: gate 2's weights, validated at load, outside the hash."""

from __future__ import annotations

import pytest

from synthgen.errors import InputError
from synthgen.spec import load_spec, spec_hash


def test_defaults_are_normalised_shares_of_every_hot_statement() -> None:
    shares = load_spec().workload.shares()
    assert set(shares) == {"Q1", "Q1b", "Q2", "Q3", "Q4", "Q5", "Q6"}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["Q5"] > shares["Q2"] > 0  # receipts outnumber inserts


@pytest.mark.parametrize(("override", "match"), [
    ({"q3": -1.0}, "workload.q3: must be >= 0"),
    (dict.fromkeys(("q1", "q1b", "q2", "q3", "q4", "q5", "q6"), 0.0), "positive total"),
    ({"q7": 1.0}, "q7"),
])
def test_bad_weights_are_refused(override: dict[str, float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        load_spec(overrides={"workload": override})


def test_a_zero_weight_drops_one_statement() -> None:
    shares = load_spec(overrides={"workload": {"q2": 0.0}}).workload.shares()
    assert shares["Q2"] == 0.0
    assert sum(shares.values()) == pytest.approx(1.0)


def test_the_mix_does_not_change_the_dataset_identity() -> None:
    assert spec_hash(load_spec()) == spec_hash(load_spec(overrides={"workload": {"q1": 99.0}}))
    assert spec_hash(load_spec()) != spec_hash(
        load_spec(overrides={"users": {"online_share": 0.5}}))
