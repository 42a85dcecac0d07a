"""``synthgen sample``: aggregate shape metrics measured inside production PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded
from synthgen.sample import UNIT


@guarded
def sample(
    dsn: opt.ProductionDsn,
    schema: opt.Schema = "public",
    window_days: Annotated[int, typer.Option("--window-days", help="Measure the last N days.")
                           ] = 30,
    k: Annotated[int, typer.Option("--k", help="Suppress any cell counted over fewer than k "
                                              "distinct users or conversations.")] = 10,
    epsilon: Annotated[float | None, typer.Option(
        "--epsilon", help="User-level differential-privacy budget: the unit of privacy is "
                          f"{UNIT}; each user's rows per release are bounded in SQL, OpenDP "
                          "discrete Laplace on every cell, ε composed by OpenDP; metrics "
                          "that cannot be bounded are withheld. Omit for k-suppression "
                          "only.")] = None,
    out: Annotated[Path, opt.out("Export file.")] = Path("shape-metrics.json"),
    statement_timeout: Annotated[int, typer.Option(
        "--statement-timeout", help="Per-statement timeout, seconds.")] = 600,
) -> None:
    """Measure aggregate shape metrics inside PostgreSQL; write only what passes the gate.

    With --epsilon the unit of privacy is one user and everything they did in the window.
    """
    from rich.console import Console

    from synthgen.sample import sample as measure

    summary = measure(dsn, schema, window_days, k, epsilon, out,
                      statement_timeout_s=statement_timeout)
    c = Console(highlight=False, soft_wrap=True)
    c.print(f"wrote {summary['out']} ({summary['measures']} measurements, "
            f"{summary['suppressed_cells']} cells suppressed, "
            f"{len(summary['withheld'])} withheld) in {summary['elapsed_s']} s")
    if summary["withheld"]:
        c.print("withheld: " + ", ".join(summary["withheld"]))
    if summary["epsilon_spent"] is not None:
        c.print(f"epsilon spent: {summary['epsilon_spent']}")
    c.print(f"replica: {summary['statements']} statements, {summary['blocks_fetched']} blocks "
            f"fetched ({summary['blocks_read']} read from disk, {summary['blocks_hit']} from "
            "shared buffers)")
    c.print(f"manifest {summary['manifest']}  sha256 {summary['sha256']}")
