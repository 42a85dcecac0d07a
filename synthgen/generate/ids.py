"""Deterministic, cuid-shaped ids: a pure function of (seed, table, row index).

An id is ``c`` + 13 base-32 digits of ``mix(index + key)`` + 11 digits of a second mix.
The first mix is a bijection on 64-bit integers, so ids of one table are unique by
construction; the alphabet (0-9, a-v) is a subset of cuid's lower-case base 36.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthgen.generate.seeding import key64

ID_WIDTH = 25
"""Characters of an id: "c" + 13 + 11 base-32 digits."""
_HEAD_DIGITS, _TAIL_DIGITS, _BITS_PER_DIGIT = 13, 11, 5
"""Base-32 digits from the first and the second mix (13 × 5 = 65 bits cover all 64)."""
UUID_WIDTH = 36
"""Characters of a uuid-shaped string (8-4-4-4-12 hex digits and 4 dashes)."""
_ALPHABET = np.frombuffer(b"0123456789abcdefghijklmnopqrstuv", dtype=np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on uint64 with good avalanche."""
    z = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z ^= z >> np.uint64(30)
        z *= _M1
        z ^= z >> np.uint64(27)
        z *= _M2
        z ^= z >> np.uint64(31)
    return z


def _digits(values: np.ndarray, count: int, bits: int, alphabet: np.ndarray,
            out: np.ndarray) -> None:
    """Write ``count`` digits of ``values`` (most significant first) into the columns of out."""
    mask = np.uint64((1 << bits) - 1)
    for j in range(count):  # loops over digit positions, each step vectorised over all rows
        shift = np.uint64((count - 1 - j) * bits)
        out[:, j] = alphabet[((values >> shift) & mask).astype(np.intp)]


class IdSpace:
    """Ids of one table under one seed."""

    def __init__(self, seed: str, table: str) -> None:
        self.k1 = np.uint64(key64(seed, f"id1:{table}"))
        self.k2 = np.uint64(key64(seed, f"id2:{table}"))

    def matrix(self, index: np.ndarray) -> np.ndarray:
        """Ids for row indexes as an (n, 25) uint8 matrix of ASCII."""
        idx = np.asarray(index, dtype=np.uint64)
        with np.errstate(over="ignore"):
            a = mix64(idx + self.k1)
            b = mix64(a ^ self.k2)
        out = np.empty((len(idx), ID_WIDTH), dtype=np.uint8)
        out[:, 0] = ord("c")
        _digits(a, _HEAD_DIGITS, _BITS_PER_DIGIT, _ALPHABET, out[:, 1:1 + _HEAD_DIGITS])
        _digits(b, _TAIL_DIGITS, _BITS_PER_DIGIT, _ALPHABET, out[:, 1 + _HEAD_DIGITS:])
        return out


def uuid_matrix(seed: str, name: str, index: np.ndarray) -> np.ndarray:
    """UUID-shaped (8-4-4-4-12 hex) strings as an (n, 36) uint8 matrix; unique per name."""
    idx = np.asarray(index, dtype=np.uint64)
    k1, k2 = np.uint64(key64(seed, f"u1:{name}")), np.uint64(key64(seed, f"u2:{name}"))
    with np.errstate(over="ignore"):
        a = mix64(idx + k1)
        b = mix64(a ^ k2)
    hexes = np.empty((len(idx), 32), dtype=np.uint8)
    _digits(a, 16, 4, _HEX, hexes[:, :16])
    _digits(b, 16, 4, _HEX, hexes[:, 16:])
    out = np.empty((len(idx), UUID_WIDTH), dtype=np.uint8)
    out[:, [8, 13, 18, 23]] = ord("-")
    pos = [i for i in range(UUID_WIDTH) if i not in (8, 13, 18, 23)]
    out[:, pos] = hexes
    out[:, 14] = ord("4")  # version nibble, like a v4 uuid
    return out


def fixed_width_array(matrix: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
    """An Arrow string array from an (n, w) ASCII matrix; rows where valid is False are null."""
    n, w = matrix.shape
    if valid is None:
        offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
        data = np.ascontiguousarray(matrix).tobytes()
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    lengths = np.where(valid, w, 0).astype(np.int32)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = np.ascontiguousarray(matrix[valid]).tobytes()
    bitmap = pa.array(valid).buffers()[1]
    arr: pa.StringArray = pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, int(n - valid.sum()))
    return arr
