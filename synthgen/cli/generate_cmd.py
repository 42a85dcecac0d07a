"""``synthgen generate``: a band and a seed → a complete Parquet dataset."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded


@guarded
def generate(
    band: opt.Band,
    seed: Annotated[str, opt.seed("Seed string; same seed + spec + band gives the same bytes.")],
    out: Annotated[str, opt.out("Dataset directory to create: a path, or a filesystem URL "
                                "(s3://bucket/prefix, gs://...; credentials from the "
                                "environment).")],
    workers: opt.Workers = 2,
    spec: opt.Spec = None,
    batch_rows: Annotated[int, typer.Option("--batch-rows", help="Rows per Arrow batch "
                                            "(memory bound; does not change the data).")
                          ] = 65_536,
    force: Annotated[bool, opt.force("Replace an existing complete dataset.")] = False,
    resume: Annotated[bool, opt.resume("Continue an interrupted run: keep partitions whose "
                                       "checksums match, regenerate the rest (same bytes as "
                                       "an uninterrupted run).")] = False,
    cluster: Annotated[str | None, typer.Option("--cluster", help="Run the partitions on Dask: "
                                                "tcp://scheduler:8786, or local:N for N local "
                                                "worker processes (needs synthgen\\[cluster]).")
                       ] = None,
    as_json: Annotated[bool, opt.as_json("Print the generation report as JSON.")] = False,
) -> None:
    """Generate all seven tables as hive-partitioned Parquet, then write the manifest."""
    from synthgen.generate import generate_dataset

    report = generate_dataset(out, band, seed, spec_path=spec, workers=workers, force=force,
                              progress=not as_json, batch_rows=batch_rows, resume_run=resume,
                              cluster=cluster)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    t = report["timings_s"]["wall"]
    typer.echo(f"generated band {report['band']} (seed {seed}) into {out}: "
               f"{report['total_rows']:,} rows, {report['bytes'] / 1e6:,.0f} MB in {t:.1f} s "
               f"({report['rows_per_s']:,} rows/s, peak RSS {report['peak_rss_mb']:.0f} MB)")
    for table, n in report["rows"].items():
        typer.echo(f"  {table:<20} {n:>14,}")
