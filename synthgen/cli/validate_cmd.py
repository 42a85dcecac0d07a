"""``synthgen validate``: the offline fidelity gate (exit 0 GO, 1 NO-GO, 2 bad input)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded
from synthgen.errors import GateFailed


def against_targets(path: Path) -> dict[str, float]:
    """Targets from a production shape-metrics export (``synthgen sample`` output)."""
    from synthgen.calibrate import fidelity_targets
    from synthgen.calibrate.reader import load_metrics

    return fidelity_targets(load_metrics(path))


@guarded
def validate(
    dataset: opt.Dataset,
    spec: Annotated[Path | None, typer.Option(
        "--spec", help="Judge against this spec instead of the dataset's own spec.json.")
                    ] = None,
    tolerance: opt.Tolerance = "normal",
    as_json: Annotated[bool, opt.as_json(
        "Print fidelity.json to stdout instead of the table.")] = False,
    out: Annotated[Path | None, opt.out(
        "Where to write the report (default: DATASET/fidelity.json).")] = None,
    against: Annotated[Path | None, typer.Option(
        "--against", help="Production shape metrics (synthgen sample output): their "
                          "values replace the spec's targets.")] = None,
) -> None:
    """Check a dataset offline (whole dataset, DuckDB): distributions, integrity, PII.

    Exit 0 = GO, 1 = NO-GO, 2 = missing or incomplete dataset, bad spec or option.
    """
    from synthgen.fidelity import FIDELITY_FILE, validate_dataset
    from synthgen.fidelity.tolerance import parse_tolerance

    parse_tolerance(tolerance)  # a bad option is exit 2 before any work
    override = against_targets(against) if against is not None else None
    doc: dict[str, Any] = validate_dataset(dataset, spec_path=spec, tolerance=tolerance,
                                           targets_override=override, out=out)
    if as_json:
        typer.echo(json.dumps(doc, indent=1))
    else:
        from rich.console import Console

        from synthgen.fidelity.report import render

        Console(highlight=False).print(render(doc))
        typer.echo(f"report: {out or Path(dataset) / FIDELITY_FILE}")
    if doc["decision"] != "GO":
        raise GateFailed(f"fidelity NO-GO: {'; '.join(doc['reasons'])}")
