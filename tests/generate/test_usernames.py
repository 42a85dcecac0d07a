"""Usernames never spell a listed person name (gate 1's PII check would fail the dataset)."""

from __future__ import annotations

import numpy as np

from synthgen.generate.tables.users import suffix_width, usernames
from synthgen.names import person_names


def test_a_short_username_that_spells_a_name_is_changed_and_stays_unique() -> None:
    """Length-3 usernames of a 1,000-user band are one letter + two base-36 digits: over every
    suffix, twenty times, some spell a three-letter name ("lee" was one, seed fresh-39 of the
    ci band, and failed gate 1). None may remain, and the suffix keeps each unique."""
    n_users = 1_000
    assert suffix_width(n_users) == 2
    index = np.tile(np.arange(n_users), 20)
    got = usernames(np.random.default_rng(3), index, n_users, mean=3.0, sd=0.0, lo=3, hi=30)
    names = got.to_pylist()
    assert not set(names) & person_names()
    changed = [u for u in names if u.startswith("_")]
    assert changed, "the draw holds no name-shaped username: the test shows nothing"
    assert all(len(u) == 3 for u in names)
    # a changed username keeps its number: one user per number, all distinct
    for seed in range(5):
        once = usernames(np.random.default_rng(seed), np.arange(n_users), n_users, mean=3.0,
                         sd=0.0, lo=3, hi=30).to_pylist()
        assert len(set(once)) == n_users
        assert not set(once) & person_names()
