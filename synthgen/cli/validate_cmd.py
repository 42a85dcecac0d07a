"""``synthgen validate``: the offline fidelity gate (exit 0 GO, 1 NO-GO, 2 bad input)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded
from synthgen.errors import GateFailed

if TYPE_CHECKING:
    from synthgen.fidelity.progress import ProgressCallback


def against_targets(path: Path) -> dict[str, float]:
    """Targets from a production shape-metrics export (``synthgen sample`` output)."""
    from synthgen.calibrate import fidelity_targets
    from synthgen.calibrate.reader import load_metrics

    return fidelity_targets(load_metrics(path))


@contextmanager
def live_progress() -> Iterator[ProgressCallback | None]:
    """On a terminal, one live bar on stderr (running group, groups done / total, elapsed,
    row-weighted ETA) that vanishes when done; elsewhere (CI logs, pipes) nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from synthgen.fidelity.progress import GROUPS, ValidateProgress

    with Progress(TextColumn("validate: {task.description:<14}"), BarColumn(),
                  TextColumn("{task.completed:.0f}/{task.total:.0f} groups"),
                  TimeElapsedColumn(), TextColumn("{task.fields[eta]}"),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=len(GROUPS), eta="")

        def show(p: ValidateProgress) -> None:
            eta = f"ETA {p.eta_s:.0f}s" if p.eta_s is not None else ""
            bar.update(task, description=p.group, completed=p.done, total=p.total, eta=eta)

        yield show


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

    DATASET may be a URL (s3://bucket/prefix, gs://...): its Parquet files are copied once
    into $TMPDIR (checked for room first, removed after) and the report is written beside
    the data there. Credentials come from the environment, as pyarrow reads them.

    Exit 0 = GO, 1 = NO-GO, 2 = missing or incomplete dataset, bad spec or option,
    3 = the URL cannot be reached or read.
    """
    from synthgen.dataset import shown
    from synthgen.fidelity import FIDELITY_FILE, validate_dataset
    from synthgen.fidelity.tolerance import parse_tolerance

    parse_tolerance(tolerance)  # a bad option is exit 2 before any work
    override = against_targets(against) if against is not None else None
    with live_progress() as progress:
        doc: dict[str, Any] = validate_dataset(dataset, spec_path=spec, tolerance=tolerance,
                                               targets_override=override, out=out,
                                               progress=progress)
    if as_json:
        typer.echo(json.dumps(doc, indent=1))
    else:
        from rich.console import Console

        from synthgen.fidelity.report import render

        Console(highlight=False).print(render(doc))
        where = shown(dataset).rstrip("/")
        typer.echo(f"report: {out or f'{where}/{FIDELITY_FILE}'}")
    if doc["decision"] != "GO":
        raise GateFailed(f"fidelity NO-GO: {'; '.join(doc['reasons'])}")
