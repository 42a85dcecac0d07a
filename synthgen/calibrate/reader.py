"""Read a shape-metrics export and pull numbers out of it, tolerating suppressed cells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthgen.errors import InputError

FORMAT = "synthgen.shape-metrics"


def load_metrics(path: Path) -> dict[str, Any]:
    """Load and sanity-check a ``synthgen sample`` export."""
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(f"shape metrics file not found: {path}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON: line {e.lineno} column {e.colno}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(
            doc.get("metrics"), dict):
        raise InputError(f"{path} is not a synthgen shape-metrics export "
                         f"(expected format {FORMAT!r} with a 'metrics' object)")
    return doc


class Metrics:
    """Accessors over the ``metrics`` object; every getter returns None when withheld."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.m: dict[str, Any] = doc["metrics"] if "metrics" in doc else doc

    def scalar(self, name: str) -> float | None:
        v = self.m.get(name)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    def quantile(self, name: str, prob: float) -> float | None:
        q = self.m.get(name)
        if not isinstance(q, dict):
            return None
        for p, v in zip(q.get("probs", []), q.get("values", []), strict=False):
            if abs(float(p) - prob) < 1e-9:
                return None if v is None else float(v)
        return None

    def mean(self, name: str) -> float | None:
        q = self.m.get(name)
        v = q.get("mean") if isinstance(q, dict) else None
        return None if v is None else float(v)

    def share(self, name: str, key: str | float) -> float | None:
        """Share of one label (mix) or one bucket by lower edge (histogram)."""
        h = self.m.get(name)
        if not isinstance(h, dict):
            return None
        axis: list[Any] = h.get("labels") or h.get("edges") or []
        for a, s in zip(axis, h.get("shares", []), strict=False):
            if a == key:
                return None if s is None else float(s)
        return None

    def shares_between(self, name: str, lo: float, hi: float) -> float | None:
        """Summed share of the buckets whose lower edge is in [lo, hi); None if any is hidden."""
        h = self.m.get(name)
        if not isinstance(h, dict):
            return None
        total = 0.0
        for e, s in zip(h.get("edges", []), h.get("shares", []), strict=False):
            if lo <= e < hi:
                if s is None:
                    return None
                total += float(s)
        return total

    def counts(self, name: str) -> tuple[list[Any], list[int | None]] | None:
        """(axis, counts) of a histogram or mix."""
        h = self.m.get(name)
        if not isinstance(h, dict) or h.get("total") is None:
            return None
        axis: list[Any] = h.get("labels") or h.get("edges") or []
        return list(axis), list(h["counts"])
