"""A table partition as columns, materialised into Arrow record batches of bounded size.

Random draws happen once per partition (so values never depend on the batch size); string
columns are built lazily, batch by batch, which is what bounds memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from synthgen.generate.ids import fixed_width_array
from synthgen.schema import ENUMS, TABLES, arrow_schema

Lazy = Callable[[int, int], pa.Array]
"""Builds rows [i0, i1) of a column."""


@dataclass
class Frame:
    """Columns of one table partition: numpy arrays, enum codes or lazy string builders."""

    table: str
    rows: int
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    """bool, int32 and timestamp (int64 ms since epoch) columns."""
    valid: dict[str, np.ndarray] = field(default_factory=dict)
    """Validity masks of nullable columns (absent = all valid)."""
    enums: dict[str, np.ndarray] = field(default_factory=dict)
    """Enum columns as int8 codes into schema.ENUMS."""
    lazy: dict[str, Lazy] = field(default_factory=dict)

    def set_ids(self, name: str, matrix_of: Callable[[np.ndarray], np.ndarray],
                index: np.ndarray, valid: np.ndarray | None = None) -> None:
        """A fixed-width id column: matrix_of(index[i0:i1]) per batch."""

        def build(i0: int, i1: int) -> pa.Array:
            v = None if valid is None else valid[i0:i1]
            return fixed_width_array(matrix_of(index[i0:i1]), v)

        self.lazy[name] = build

    def _array(self, name: str, i0: int, i1: int) -> pa.Array:
        col = next(c for c in TABLES[self.table] if c.name == name)
        if name in self.lazy:
            return self.lazy[name](i0, i1)
        if name in self.enums:
            labels = pa.array(ENUMS[col.enum or ""], pa.string())
            return labels.take(pa.array(self.enums[name][i0:i1]))
        values = self.numeric[name][i0:i1]
        mask = None
        if name in self.valid:
            mask = ~self.valid[name][i0:i1]
        if pa.types.is_timestamp(col.arrow):
            values = values.astype("datetime64[ms]")
        elif col.arrow == pa.int32():
            values = values.astype(np.int32)
        return pa.array(values, type=col.arrow, mask=mask)

    def batches(self, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The partition as record batches of at most batch_rows rows."""
        schema = arrow_schema(self.table)
        missing = [f.name for f in schema if f.name not in self.numeric
                   and f.name not in self.enums and f.name not in self.lazy]
        if missing:
            raise AssertionError(f"{self.table}: no generator for {missing}")  # a bug, not input
        for i0 in range(0, self.rows, batch_rows):
            i1 = min(self.rows, i0 + batch_rows)
            arrays = [self._array(f.name, i0, i1) for f in schema]
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def codes(enum: str, labels: list[str]) -> dict[str, int]:
    """Enum label → code."""
    return {label: ENUMS[enum].index(label) for label in labels}
