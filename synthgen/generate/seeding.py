"""Seed string → numpy SeedSequence → one independent Generator per (purpose, partition).

The root entropy is the SHA-256 of the seed string; each stream is addressed by a fixed
spawn key ``(purpose id, partition)``, so a partition's numbers never depend on how many
workers ran or in which order partitions were made.
"""

from __future__ import annotations

import hashlib

import numpy as np

# Stable ids: never renumber (that would change every dataset ever generated).
PURPOSES: dict[str, int] = {
    "plan.users": 1,
    "plan.conversations": 2,
    "plan.members": 3,
    "plan.counts": 4,
    "users": 10,
    "conversations": 11,
    "messages": 12,
    "text": 13,
    "receipts": 14,
    "attachments": 15,
    "vocabulary": 16,
}

SECOND_STREAM = 1_000_000
"""Partition offset of a purpose's second stream (partitions never reach it): lets one table
draw from a purpose's numbers without shifting the first stream's."""


def root_entropy(seed: str) -> int:
    """128 bits of entropy from the seed string."""
    return int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:16], "big")


def rng(seed: str, purpose: str, partition: int = 0) -> np.random.Generator:
    """The Generator for one (purpose, partition) of a seed."""
    ss = np.random.SeedSequence(root_entropy(seed), spawn_key=(PURPOSES[purpose], partition))
    return np.random.Generator(np.random.PCG64(ss))


def key64(seed: str, name: str) -> int:
    """A 64-bit key derived from the seed and a name (for id derivation)."""
    digest = hashlib.sha256(f"{seed}\x00{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
