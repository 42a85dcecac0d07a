"""`synthgen generate`: a band and a seed → a complete Parquet dataset."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from synthgen.cli import guarded


@guarded
def generate(
    band: str = typer.Option(..., "--band", "-b", help="Band name (ci, dev, staging, perf) or "
                             "path to a band .toml file."),
    seed: str = typer.Option(..., "--seed", "-s", help="Seed string; same seed + spec + band "
                             "gives the same bytes."),
    out: Path = typer.Option(..., "--out", "-o", help="Dataset directory to create."),
    workers: int = typer.Option(2, "--workers", "-w", help="Worker processes (any number "
                                "gives the same data)."),
    spec: Path | None = typer.Option(None, "--spec", help="Spec JSON (default: the shipped one)."),
    batch_rows: int = typer.Option(65_536, "--batch-rows", help="Rows per Arrow batch "
                                   "(memory bound; does not change the data)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing complete dataset."),
    as_json: bool = typer.Option(False, "--json", help="Print the generation report as JSON."),
) -> None:
    """Generate all seven tables as hive-partitioned Parquet, then write the manifest."""
    from synthgen.generate import generate_dataset

    report = generate_dataset(out, band, seed, spec_path=spec, workers=workers, force=force,
                              progress=not as_json, batch_rows=batch_rows)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    t = report["timings_s"]["wall"]
    typer.echo(f"generated band {report['band']} (seed {seed}) into {out}: "
               f"{report['total_rows']:,} rows, {report['bytes'] / 1e6:,.0f} MB in {t:.1f} s "
               f"({report['rows_per_s']:,} rows/s, peak RSS {report['peak_rss_mb']:.0f} MB)")
    for table, n in report["rows"].items():
        typer.echo(f"  {table:<20} {n:>14,}")


def register(app: typer.Typer) -> None:
    """Add `generate` to the app."""
    app.command("generate")(generate)
