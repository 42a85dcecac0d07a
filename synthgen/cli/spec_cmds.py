"""`synthgen spec check|schema`: what a band will achieve, before anything is generated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from synthgen.cli import guarded

spec_app = typer.Typer(help="Inspect and check the distribution spec.", no_args_is_help=True)


def _fmt(v: float) -> str:
    return f"{v:,.4g}" if abs(v) < 10 else f"{v:,.0f}"


@spec_app.command("check")
@guarded
def check(
    band: str = typer.Option("dev", "--band", "-b", help="Band name (ci, dev, staging, perf) or "
                             "path to a band .toml file."),
    spec: Path | None = typer.Option(None, "--spec", help="Spec JSON (default: the shipped one)."),
    seed: str = typer.Option("spec-check", "--seed", help="Seed of the plan to evaluate "
                             "(achievable values are exact for this seed)."),
    out: Path = typer.Option(Path("out"), "--out", help="Where the data would be written "
                             "(for the free-space check)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Report every target the band makes infeasible, the value it will reach, and the size.

    Exit 0 when every target is feasible, 1 when some are not (achievable values shown),
    2 on a malformed spec or band.
    """
    from synthgen.generate import resolve
    from synthgen.generate.feasibility import check_plan, disk_warning, estimate_bytes
    from synthgen.generate.plan import build_plan

    b, s = resolve(band, spec)
    try:
        plan = build_plan(seed, b, s)
    except ValueError as e:
        from synthgen.errors import SpecError

        raise SpecError(f"band {b.name} cannot be generated with this spec: {e}") from None
    report: dict[str, Any] = check_plan(plan)
    sizes = estimate_bytes(plan)
    report["estimates"] = sizes
    needed = sum(v["parquet"] for v in sizes.values())
    report["disk_warning"] = disk_warning(out, needed)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        _print(report, b.name)
    if not report["feasible"]:
        raise typer.Exit(1)


def _print(report: dict[str, Any], band: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=f"spec check — band {band}")
    for col in ("metric", "target", "achievable", "deviation", "feasible"):
        t.add_column(col, no_wrap=True)
    notes: list[str] = []
    for row in report["targets"]:
        mark = "yes"
        if not row["feasible"]:
            notes.append(f"[{len(notes) + 1}] {row['metric']}: {row['reason']}")
            mark = f"[red]NO[/] [{len(notes)}]"
        t.add_row(row["metric"], _fmt(row["target"]), _fmt(row["achievable"]),
                  f"{row['deviation']:.1%}", mark)
    console.print(t)
    for note in notes:
        console.print(note, markup=False)
    e = Table(title="estimated size")
    for col in ("table", "rows", "Parquet", "PostgreSQL"):
        e.add_column(col, justify="right" if col != "table" else "left")
    for table, v in report["estimates"].items():
        e.add_row(table, f"{v['rows']:,}", f"{v['parquet'] / 1e9:,.2f} GB",
                  f"{v['postgres'] / 1e9:,.2f} GB")
    console.print(e)
    if report["disk_warning"]:
        console.print(f"[yellow]warning:[/] {report['disk_warning']}")
    verdict = "[green]consistent[/]" if report["feasible"] else \
        "[red]some targets are infeasible for this band[/] (achievable values above)"
    console.print(verdict)


@spec_app.command("schema")
@guarded
def schema() -> None:
    """Print the JSON Schema of the spec (the file shipped as spec/distribution-spec.schema.json)."""
    from synthgen.spec import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


def register(app: typer.Typer) -> None:
    """Add `spec` to the app."""
    app.add_typer(spec_app, name="spec")
