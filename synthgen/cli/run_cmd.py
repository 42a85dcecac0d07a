"""``synthgen run``: seed to verdict in one command (exit 0 GO, 1 NO-GO, 2 bad input, 3 environment)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from synthgen.pipeline import Events

_STYLE = {"done": "green", "skipped": "cyan", "failed": "bold red", "not-run": "dim"}


def _events(console: Any, live: bool) -> Events:
    """One line per stage; on a terminal, the latest note of a long stage as a spinner."""
    from synthgen.pipeline import STAGES, Events

    status: dict[str, Any] = {"obj": None, "stage": ""}

    def start(name: str) -> None:
        status["stage"] = name

    def note(msg: str) -> None:
        if msg.startswith("seed:") or not live:
            if msg.startswith("seed:"):
                console.print(f"  {msg}", highlight=False)
            return
        if status["obj"] is None:
            spinner = console.status(f"{status['stage']}: {msg}")
            spinner.start()
            status["obj"] = spinner
        else:
            status["obj"].update(f"{status['stage']}: {msg}")

    def end(stage: dict[str, Any]) -> None:
        if status["obj"] is not None:
            status["obj"].stop()
            status["obj"] = None
        i = STAGES.index(stage["name"]) + 1 if stage["name"] in STAGES else 0
        style = _STYLE.get(stage["status"], "")
        console.print(f"[{i:>2}/{len(STAGES)}] {stage['name']:<14} [{style}]{stage['status']:<8}[/]"
                      f" {stage['seconds']:>7.1f} s  {stage['note']}", highlight=False,
                      markup=True, soft_wrap=True)

    return Events(stage_start=start, stage_end=end, note=note)


def _summary(console: Any, doc: dict[str, Any], paths: dict[str, Path]) -> None:
    g1, g2 = doc["gates"]["fidelity"], doc["gates"]["indexes"]
    total = sum(s["seconds"] for s in doc["stages"])
    timings = ", ".join(f"{s['name']} {s['seconds']:.1f}s" for s in doc["stages"]
                        if s["status"] == "done")
    colour = "bold green" if doc["decision"] == "GO" else "bold red"
    console.print(f"\nband {doc['band']}, seed {doc['seed']}: {total:.1f} s ({timings})",
                  highlight=False, soft_wrap=True)
    console.print(f"gate 1 (fidelity): {g1['decision'] if g1 else 'not reached'}   "
                  f"gate 2 (indexes): {g2['decision'] if g2 else 'not reached'}", highlight=False)
    for gate in (g1, g2):
        if gate and gate["decision"] != "GO":
            for r in gate["reasons"]:
                if not r.startswith(("ok:", "note:")):
                    console.print(f"  - {r}", highlight=False, soft_wrap=True)
    if "report.html" in paths:
        console.print(f"report: {paths['report.html']} (also report.md, report.json)",
                      highlight=False, soft_wrap=True)
    console.print(f"[{colour}]{doc['decision']}[/]")


def register(app: typer.Typer) -> None:
    """Add ``run``."""
    from synthgen.cli import guarded

    @app.command("run")
    @guarded
    def run_cmd(
        band: Annotated[str, typer.Option("--band", "-b", help="Band name (ci, dev, staging, "
                                          "perf) or path to a band .toml file.")],
        seed: Annotated[str | None, typer.Option("--seed", "-s", help="Seed string (default: "
                                                 "<band>_<UTC date>_<random hex>, printed).")
                        ] = None,
        dsn: Annotated[str | None, typer.Option("--dsn", envvar="SYNTHGEN_DSN",
                                                show_envvar=False, help="Target PostgreSQL "
                                                "DSN (default: the embedded server under "
                                                ".synthgen/pg).")] = None,
        schema: Annotated[str, typer.Option("--schema", help="Target schema.")] = "perf_synthetic",
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Dataset directory "
                                                 "(default out/<band>); the reports go there.")
                       ] = None,
        indexes: Annotated[Path, typer.Option("--indexes", help="Index file to verify (its "
                                              "x.rollback.sql sibling undoes it).")
                           ] = Path("indexes/phase-2.sql"),
        spec: Annotated[Path | None, typer.Option("--spec", help="Spec JSON (default: the "
                                                  "shipped one).")] = None,
        tolerance: Annotated[str, typer.Option("--tolerance", help="Fidelity tolerance: strict, "
                                               "normal, relaxed or a factor.")] = "normal",
        workers: Annotated[int, typer.Option("--workers", "-w", min=1,
                                             help="Generation processes.")] = 2,
        jobs: Annotated[int, typer.Option("--jobs", min=1, max=32,
                                          help="Parallel load connections.")] = 1,
        runs: Annotated[int, typer.Option("--runs", min=1, max=1000, help="Measured EXPLAIN "
                                          "runs per query and parameter set.")] = 10,
        resume: Annotated[bool, typer.Option("--resume", help="Skip every stage whose outputs "
                                             "are complete (dataset, load ledger, baselines).")
                          ] = False,
        keep: Annotated[bool, typer.Option("--keep", help="Keep the new indexes afterwards "
                                           "(default: roll them back, keep the data).")] = False,
        teardown: Annotated[bool, typer.Option("--teardown", help="Drop everything synthgen "
                                               "created in the schema afterwards.")] = False,
        force: Annotated[bool, typer.Option("--force", help="Replace a complete dataset in "
                                            "--out and another dataset in the schema.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print report.json to stdout "
                                              "(stage lines go to stderr).")] = False,
    ) -> None:
        """Generate → validate (gate 1) → load → baseline → apply indexes → baseline → compare
        (gate 2) → report. Exit 0 GO, 1 NO-GO, 2 bad input, 3 environment."""
        from rich.console import Console

        from synthgen.errors import InputError
        from synthgen.pipeline import RunOptions, run

        if keep and teardown:
            raise InputError("--keep and --teardown exclude each other")
        console = Console(stderr=as_json, highlight=False)
        live = console.is_terminal and not as_json
        opts = RunOptions(band=band, seed=seed, dsn=dsn, schema=schema, out=out,
                          indexes=indexes, spec=spec, tolerance=tolerance, workers=workers,
                          jobs=jobs, runs=runs, resume=resume, force=force,
                          finish="keep" if keep else "teardown" if teardown else "rollback",
                          progress=live and sys.stderr.isatty())
        result = run(opts, _events(console, live))
        if as_json:
            typer.echo(json.dumps(result.report, indent=1, default=str))
        else:
            _summary(console, result.report, result.paths)
        if result.exit_code:
            raise typer.Exit(result.exit_code)
