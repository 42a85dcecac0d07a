"""Calibration: fit a distribution spec to production shape metrics (``synthgen spec calibrate``).

Every parameter the metrics can inform is fitted; everything else keeps the base spec's
value. The result is validated like any other spec before it is written.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from synthgen.calibrate.fit import FITS, Row
from synthgen.calibrate.reader import Metrics, load_metrics
from synthgen.calibrate.targets import fidelity_targets
from synthgen.spec import DEFAULT_SPEC_PATH, spec_from_dict, spec_to_dict

__all__ = ["Row", "calibrate", "calibrate_file", "fidelity_targets", "load_metrics"]


def calibrate(metrics_doc: dict[str, Any], base: dict[str, Any]) -> tuple[dict[str, Any], list[Row]]:
    """The calibrated spec dict (validated) and the table of measured vs fitted vs predicted."""
    spec = copy.deepcopy(spec_to_dict(spec_from_dict(base)))
    rows: list[Row] = []
    m = Metrics(metrics_doc)
    for fit in FITS:
        fit(m, spec, rows)
    spec_to_dict(spec_from_dict(spec))  # raises SpecError naming the path if a fit went wrong
    return spec, rows


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
    spec, rows = calibrate(doc, base)
    body = {"$schema": "./distribution-spec.schema.json",
            "comment": f"calibrated by synthgen spec calibrate from {Path(metrics_path).name} "
                       f"(window {doc.get('window_days')} days, k={doc.get('k')}, "
                       f"epsilon={doc.get('epsilon')})", **spec}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(body, indent=2) + "\n")
    return rows
