"""Synthetic words and vectorised text: nothing is ever copied from real data.

A fixed vocabulary of pronounceable pseudo-words is built from syllables (deterministic,
independent of the dataset seed) and filtered against the person-name list the PII check
uses, so no generated word can be mistaken for a real name. Message text is a slice of a
per-partition pool of random words, cut to the drawn length; building an Arrow string
array is one vectorised gather, not a Python loop.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from synthgen.names import person_names

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr",
           "gr", "kr", "pl", "st", "tr", "sk", "sl", "th"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ei"]
_CODAS = ["", "", "", "n", "r", "s", "l", "m", "k", "x"]
VOCABULARY_SEED = 20251022
"""Fixed seed of the vocabulary: it is part of synthgen itself, not of any dataset."""
VOCABULARY_WORDS = 6000
"""Distinct pseudo-words in the vocabulary."""
SYLLABLES_PER_WORD = (1, 2, 2, 3, 3, 4)
"""Syllable counts drawn uniformly (so 2 and 3 are twice as likely as 1 and 4)."""
WORD_CHARS = (2, 14)
"""Allowed word length, characters (inclusive)."""
RANKS_SEED = 7
"""Fixed seed of the word-rank permutation (which word is frequent)."""
ZIPF_EXPONENT = 1.05
"""Word frequency ∝ rank^-ZIPF_EXPONENT, as in natural text."""
POOL_BYTES = 1 << 20
"""Default size of a text pool (bytes): message text of one partition is sliced from it."""
MEAN_WORD_BYTES = 6
"""Average bytes per word including the space: words to draw = pool bytes / this."""
POOL_WRAP_BYTES = 5000
"""Bytes of the pool repeated past its end, so a text starting near the end never overruns."""


@functools.lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """About 6,000 distinct pseudo-words of 1-4 syllables; no word, and no prefix of a word
    (text is cut at arbitrary lengths), is a person name."""
    r = np.random.default_rng(VOCABULARY_SEED)
    syll = [o + v + c for o in _ONSETS for v in _VOWELS for c in _CODAS]
    banned = person_names()
    words: set[str] = set()
    while len(words) < VOCABULARY_WORDS:
        k = int(r.choice(SYLLABLES_PER_WORD))
        w = "".join(syll[i] for i in r.integers(0, len(syll), k))
        lo, hi = WORD_CHARS
        if lo <= len(w) <= hi and not any(w[:k] in banned for k in range(1, len(w) + 1)):
            words.add(w)
    return tuple(sorted(words))


_RANKS = np.random.default_rng(RANKS_SEED).permutation(
    np.arange(1, VOCABULARY_WORDS + 1, dtype=np.float64))


class Pool:
    """A block of random words (bytes) to slice message text from."""

    def __init__(self, rng: np.random.Generator, size_bytes: int = POOL_BYTES) -> None:
        vocab = vocabulary()
        # Zipf-like word frequencies, as natural text has.
        ranks = _RANKS[: len(vocab)]
        p = ranks**-ZIPF_EXPONENT
        n_words = size_bytes // MEAN_WORD_BYTES
        picks = rng.choice(len(vocab), size=n_words, p=p / p.sum())
        text = " ".join(vocab[i] for i in picks.tolist()).encode()  # once per partition
        self.data = np.frombuffer(text + b" " + text[:POOL_WRAP_BYTES], dtype=np.uint8)
        self.usable = len(text)
        starts = np.flatnonzero(self.data[: self.usable] == ord(" ")) + 1
        self.word_starts = np.concatenate([[0], starts[starts < self.usable]])

    def starts(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Random word-start offsets for `size` texts."""
        out: np.ndarray = self.word_starts[rng.integers(0, len(self.word_starts), size)]
        return out


def gather_text(pool: Pool, starts: np.ndarray, lengths: np.ndarray,
                valid: np.ndarray | None = None) -> pa.StringArray:
    """Arrow strings pool[start : start + length] (null where valid is False).

    Builds a string_view array whose views point into the pool (16 bytes per row, strings
    of ≤ 12 bytes inline), then lets Arrow's C++ cast copy the bytes into a plain string
    array: about 13x faster than a byte-level numpy gather, and the result is a plain
    ``string`` (binary COPY cannot take string_view).
    """
    n = len(starts)
    lens = np.asarray(lengths, dtype=np.int32)
    if valid is not None:
        lens = np.where(valid, lens, 0).astype(np.int32)
    s = np.asarray(starts, dtype=np.int32)
    views = np.zeros((n, 16), dtype=np.uint8)
    views[:, 0:4] = lens.view(np.uint8).reshape(n, 4)
    short = lens <= 12
    inline = pool.data[s[short][:, None] + _TWELVE[None, :]]
    views[short, 4:16] = np.where(_TWELVE[None, :] < lens[short][:, None], inline, 0)
    long_ = ~short
    views[long_, 4:8] = pool.data[s[long_][:, None] + _TWELVE[None, :4]]
    views[long_, 12:16] = s[long_].view(np.uint8).reshape(-1, 4)  # buffer index 0 at 8:12
    bitmap = None if valid is None else pa.array(valid).buffers()[1]
    nulls = 0 if valid is None else int(n - valid.sum())
    arr = pa.Array.from_buffers(pa.string_view(), n, [bitmap, pa.py_buffer(views),
                                                      pa.py_buffer(pool.data)], nulls)
    out: pa.StringArray = arr.cast(pa.string())
    return out


_TWELVE = np.arange(12)


def capitalized_words(rng: np.random.Generator, size: int, valid: np.ndarray) -> pa.Array:
    """Single capitalised pseudo-words (synthetic first/last names); null where not valid."""
    vocab = vocabulary()
    words = pa.array([w.capitalize() for w in vocab])
    picked = words.take(pa.array(rng.integers(0, len(vocab), size)))
    import pyarrow.compute as pc

    return pc.if_else(pa.array(valid), picked, pa.scalar(None, pa.string()))


def letters_pool() -> np.ndarray:
    """The vocabulary concatenated without spaces: material for usernames."""
    return np.frombuffer("".join(vocabulary()).encode(), dtype=np.uint8)
