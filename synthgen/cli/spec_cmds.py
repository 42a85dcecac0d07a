"""``synthgen spec check|schema|calibrate``: the distribution spec — what a band will achieve
before anything is generated, its JSON Schema, and fitting it to production metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded

spec_app = typer.Typer(help="Inspect and check the distribution spec.", no_args_is_help=True,
                       cls=opt.Group)


def _fmt(v: float) -> str:
    return f"{v:,.4g}" if abs(v) < 10 else f"{v:,.0f}"


@spec_app.command("check", cls=opt.Command)
@guarded
def check(
    band: opt.Band = "dev",
    spec: opt.Spec = None,
    seed: Annotated[str, opt.seed("Seed of the plan to evaluate for sizes (resolved targets "
                                  "never depend on it).")] = "spec-check",
    out: Annotated[Path, opt.out("Where the data would be written (for the free-space "
                                 "check).")] = Path("out"),
    as_json: Annotated[bool, opt.as_json("Print JSON instead of tables.")] = False,
) -> None:
    """Resolve every plan-decided target for the band (spec value beside it), and the size.

    Exit 0 when every target is feasible, 1 when some are not (resolved targets shown),
    2 on a malformed spec or band.
    """
    from synthgen.generate.check import spec_check

    result = spec_check(band, spec, out, seed=seed)
    report = result.to_json()
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        _print(report, result.band.name)
    if not result.feasible:
        raise typer.Exit(1)


def _print(report: dict[str, Any], band: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=f"spec check — band {band}")
    for col in ("metric", "spec", "resolved target", "spread", "deviation", "feasible"):
        t.add_column(col, no_wrap=True)
    notes: list[str] = []
    for row in report["targets"]:
        mark = "yes"
        if not row["feasible"]:
            notes.append(f"[{len(notes) + 1}] {row['metric']}: {row['reason']}")
            mark = f"[red]NO[/] [{len(notes)}]"
        t.add_row(row["metric"], _fmt(row["target"]), _fmt(row["resolved"]),
                  _fmt(row["spread"]), f"{row['deviation']:.1%}", mark)
    console.print(t)
    console.print(f"resolved from {report['seeds']} independent plans (median; spread = their "
                  f"sd, the gate's allowance); calendar Fano factor {report['calendar_fano']:g}; "
                  f"infeasible = resolved more than {report['feasible_within']:.0%} from the spec",
                  markup=False)
    for note in notes:
        console.print(note, markup=False)
    refs = report.get("references", {}).get("cdfs", {})
    if refs:
        console.print("KS reference CDFs (gate 1 judges against 0, spec 0): " + "; ".join(
            f"{m.removeprefix('distance.')} allowance {r['allowance']:.3f} over {len(r['edges'])} "
            f"points" for m, r in refs.items()) + f" ({next(iter(refs.values()))['seeds']} "
            "independent plans and timelines)", markup=False)
    r = report["reads"]
    console.print(f"reads: at most {r['max_recipients']} recipient(s) per message, "
                  f"{r['reads_per_message']:.3g} reads per message; heavy rooms: "
                  f"{r['heavy_room_reads_per_message']:.3g} reads per message, "
                  f"{r['heavy_room_member_coverage']:.3%} (sd "
                  f"{r['heavy_room_member_coverage_spread']:.3%}) of (message, member) pairs "
                  f"read (what Q4's unread count sees; median of {r['plans']} independent "
                  "plans)", markup=False)
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
        "[red]some targets are infeasible for this band[/] (resolved targets above)"
    console.print(verdict)


@spec_app.command("schema", cls=opt.Command)
@guarded
def schema() -> None:
    """Print the JSON Schema of the spec (the file shipped as spec/distribution-spec.schema.json)."""
    from synthgen.spec import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@spec_app.command("calibrate", cls=opt.Command)
@guarded
def calibrate(
    metrics: Annotated[Path, typer.Argument(help="shape-metrics.json from `synthgen sample`.")],
    base: Annotated[Path | None, typer.Option(
        "--base", help="Base spec (default: the shipped spec/distribution-spec.json).")] = None,
    out: Annotated[Path, opt.out("Calibrated spec to write.")] = Path("spec/calibrated.json"),
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
        table.add_row(metric, _fmt_fit(measured), param, _fmt_fit(fitted), _fmt_fit(predicted))
    Console(highlight=False, width=160).print(table)


def _fmt_fit(v: object) -> str:
    return "-" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)
