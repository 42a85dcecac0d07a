"""``synthgen sample`` (production shape metrics) and ``synthgen spec calibrate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthgen.cli import guarded


@guarded
def sample_cmd(
    dsn: Annotated[str, typer.Option("--dsn", envvar="SYNTHGEN_SAMPLE_DSN",
                                     help="Production (replica) DSN; the session is read-only.")],
    schema: Annotated[str, typer.Option("--schema", help="Schema holding the app's tables.")]
    = "public",
    window_days: Annotated[int, typer.Option("--window-days", help="Measure the last N days.")]
    = 30,
    k: Annotated[int, typer.Option("--k", help="Suppress any cell counted over fewer than k "
                                               "distinct users or conversations.")] = 10,
    epsilon: Annotated[float | None, typer.Option(
        "--epsilon", help="Differential-privacy budget (OpenDP discrete Laplace); omit for "
                          "none.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Export file.")] = Path("shape-metrics.json"),
    statement_timeout: Annotated[int, typer.Option(
        "--statement-timeout", help="Per-statement timeout, seconds.")] = 600,
) -> None:
    """Measure aggregate shape metrics inside PostgreSQL; write only what passes the gate."""
    from rich.console import Console

    from synthgen.sample import sample

    summary = sample(dsn, schema, window_days, k, epsilon, out,
                     statement_timeout_s=statement_timeout)
    c = Console(highlight=False, soft_wrap=True)
    c.print(f"wrote {summary['out']} ({summary['measures']} measurements, "
            f"{summary['suppressed_cells']} cells suppressed, "
            f"{len(summary['withheld'])} withheld) in {summary['elapsed_s']} s")
    if summary["withheld"]:
        c.print("withheld: " + ", ".join(summary["withheld"]))
    if summary["epsilon_spent"] is not None:
        c.print(f"epsilon spent: {summary['epsilon_spent']}")
    c.print(f"manifest {summary['manifest']}  sha256 {summary['sha256']}")


@guarded
def calibrate_cmd(
    metrics: Annotated[Path, typer.Argument(help="shape-metrics.json from `synthgen sample`.")],
    base: Annotated[Path | None, typer.Option(
        "--base", help="Base spec (default: the shipped spec/distribution-spec.json).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Calibrated spec to write.")]
    = Path("spec/calibrated.json"),
) -> None:
    """Fit a distribution spec to production shape metrics; print measured vs fitted."""
    from rich.console import Console
    from rich.table import Table

    from synthgen.calibrate import calibrate_file

    rows = calibrate_file(metrics, base, out)
    table = Table(title=f"calibration ({len(rows)} fits) -> {out}")
    for col in ("metric", "measured", "parameter", "fitted", "predicted"):
        table.add_column(col, justify="left" if col in ("metric", "parameter") else "right")
    for metric, measured, param, fitted, predicted in rows:
        table.add_row(metric, _fmt(measured), param, _fmt(fitted), _fmt(predicted))
    Console(highlight=False, width=160).print(table)


def _fmt(v: object) -> str:
    return "-" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)


def register(app: typer.Typer) -> None:
    """Add ``sample`` and ``spec calibrate``."""
    from synthgen.cli.spec_cmds import spec_app

    app.command("sample")(sample_cmd)
    spec_app.command("calibrate")(calibrate_cmd)
