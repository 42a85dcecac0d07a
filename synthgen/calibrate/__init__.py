"""Calibration: fit a distribution spec to production shape metrics (``synthgen spec calibrate``).

Every parameter the metrics can inform is fitted; everything else keeps the base spec's
value. The result is validated like any other spec before it is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthgen.calibrate.fit import FITS, Row
from synthgen.calibrate.reader import Metrics, load_metrics
from synthgen.calibrate.targets import fidelity_targets
from synthgen.dataset import write_json
from synthgen.spec import DEFAULT_SPEC_PATH, spec_from_dict, spec_to_dict
from synthgen.spec_model import Spec

__all__ = ["Row", "calibrate", "calibrate_file", "fidelity_targets", "load_metrics"]


def calibrate(metrics_doc: dict[str, Any], base: Spec) -> tuple[Spec, list[Row]]:
    """The calibrated spec (validated) and the table of measured vs fitted vs predicted."""
    spec = base
    rows: list[Row] = []
    m = Metrics(metrics_doc)
    for fit in FITS:
        spec = fit(m, spec, rows)
    # The fits build dataclasses without the loader's checks: one round trip through the
    # loader raises SpecError naming the path if a fit went out of bounds.
    return spec_from_dict(spec_to_dict(spec)), rows


def calibrate_file(metrics_path: Path, base_path: Path | None, out: Path) -> list[Row]:
    """Read an export and a base spec, write the calibrated spec to ``out``; return the table."""
    doc = load_metrics(metrics_path)
    base_file = base_path or DEFAULT_SPEC_PATH
    from synthgen.errors import SpecError

    try:
        base = json.loads(Path(base_file).read_text())
    except FileNotFoundError:
        raise SpecError(f"base spec not found: {base_file}") from None
    except json.JSONDecodeError as e:
        raise SpecError(f"base spec {base_file} is not valid JSON: line {e.lineno}") from None
    spec, rows = calibrate(doc, spec_from_dict(base))
    body = {"$schema": "./distribution-spec.schema.json",
            "comment": f"calibrated by synthgen spec calibrate from {Path(metrics_path).name} "
                       f"(window {doc.get('window_days')} days, k={doc.get('k')}, "
                       f"epsilon={doc.get('epsilon')})", **spec_to_dict(spec)}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, body, indent=2)
    return rows
