"""``synthgen run``: seed to verdict in one command (exit 0 GO, 1 NO-GO, 2 bad input, 3 environment)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded

if TYPE_CHECKING:
    from synthgen.pipeline import Events, RunRecord, StageOutcome

_STYLE = {"done": "green", "skipped": "cyan", "failed": "bold red", "not-run": "dim"}
_SEED_NOTES = {"interrupted": "of the interrupted generation",
               "generated": "generated; pass --seed to choose it"}
"""A seed the user did not give is announced, with where it came from."""


def _events(console: Any, live: bool) -> Events:
    """One line per stage; on a terminal, the latest progress of a long stage as a spinner."""
    from synthgen.pipeline import STAGE_NAMES, Events

    status: dict[str, Any] = {"obj": None, "stage": ""}

    def start(name: str) -> None:
        status["stage"] = name

    def progress(msg: str) -> None:
        if not live:
            return
        if status["obj"] is None:
            spinner = console.status(f"{status['stage']}: {msg}")
            spinner.start()
            status["obj"] = spinner
        else:
            status["obj"].update(f"{status['stage']}: {msg}")

    def end(stage: StageOutcome, rec: RunRecord) -> None:
        if status["obj"] is not None:
            status["obj"].stop()
            status["obj"] = None
        if stage.name == STAGE_NAMES[0] and rec.seed and rec.seed_source in _SEED_NOTES:
            console.print(f"  seed: {rec.seed}  ({_SEED_NOTES[rec.seed_source]})",
                          highlight=False)
        i = STAGE_NAMES.index(stage.name) + 1 if stage.name in STAGE_NAMES else 0
        style = _STYLE.get(stage.status, "")
        console.print(f"[{i:>2}/{len(STAGE_NAMES)}] {stage.name:<14} [{style}]{stage.status:<8}[/]"
                      f" {stage.seconds:>7.1f} s  {stage.note}", highlight=False,
                      markup=True, soft_wrap=True)

    return Events(stage_start=start, stage_end=end, progress=progress)


def _summary(console: Any, doc: dict[str, Any], paths: dict[str, Path]) -> None:
    from synthgen.dataset import REPORT_HTML, REPORT_JSON, REPORT_MD

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
    if REPORT_HTML in paths:
        console.print(f"report: {paths[REPORT_HTML]} (also {REPORT_MD}, {REPORT_JSON})",
                      highlight=False, soft_wrap=True)
        if doc.get("target"):
            from synthgen.dataset import REPORTS_DIR
            from synthgen.pipeline.runner import target_slug

            kept = paths[REPORT_HTML].parent / REPORTS_DIR / target_slug(doc["target"])
            console.print(f"  this target's copy (kept when other targets run): {kept}/",
                          highlight=False, soft_wrap=True)
    console.print(f"[{colour}]{doc['decision']}[/]")


@guarded
def run_pipeline(
    band: opt.Band,
    seed: Annotated[str | None, opt.seed("Seed string (default: <band>_<UTC date>_<random "
                                         "hex>, printed).")] = None,
    dsn: opt.Dsn = None,
    schema: opt.Schema = "perf_synthetic",
    out: Annotated[Path | None, opt.out("Dataset directory (default out/<band>); the reports "
                                        "go there.")] = None,
    indexes: Annotated[Path | None, typer.Option(
        "--indexes", help="Index file to verify (its x.rollback.sql sibling undoes it; "
        "default: the shipped phase-2 candidate).")] = None,
    spec: opt.Spec = None,
    tolerance: opt.Tolerance = "normal",
    workers: opt.Workers = 2,
    jobs: opt.Jobs = 2,
    runs: opt.Runs = 10,
    workload_seconds: Annotated[int, typer.Option(
        "--workload-seconds", min=0, max=3600,
        help="Length of each workload step (pgbench, the spec's mix at production skew) "
             "before and after the candidate; 0 = no workload phase.")] = 5,
    workload_clients: Annotated[str, typer.Option(
        "--workload-clients", help="Client levels of the workload phase, e.g. 1,4.")] = "1,4",
    workload_repeats: Annotated[int, typer.Option(
        "--workload-repeats", min=1, max=100,
        help="Times each client level is run on each side (the interval of a p95 or a "
             "throughput change comes from the repeats).")] = 3,
    no_workload: Annotated[bool, opt.flag("--no-workload", help="Skip the workload phase "
                                          "(same as --workload-seconds 0).")] = False,
    resume: Annotated[bool, opt.resume("Skip every stage whose outputs are complete (dataset, "
                                       "load ledger, baselines).")] = False,
    keep: Annotated[bool, opt.flag("--keep", help="Keep the new indexes afterwards (default: "
                                   "roll them back, keep the data).")] = False,
    teardown: Annotated[bool, opt.flag("--teardown", help="Drop everything synthgen created "
                                       "in the schema afterwards.")] = False,
    force: Annotated[bool, opt.force("Replace a complete dataset in --out and another dataset "
                                     "in the schema.")] = False,
    as_json: Annotated[bool, opt.as_json("Print report.json to stdout (stage lines go to "
                                         "stderr).")] = False,
) -> None:
    """Generate → validate (gate 1) → load → baseline and workload → apply indexes → baseline
    and workload → compare (gate 2) → report. Exit 0 GO, 1 NO-GO, 2 bad input, 3 environment."""
    from rich.console import Console

    from synthgen.cli.workload_cmd import parse_clients
    from synthgen.errors import InputError
    from synthgen.pipeline import RunOptions, run
    from synthgen.pipeline.options import DEFAULT_INDEXES

    if keep and teardown:
        raise InputError("--keep and --teardown exclude each other")
    if out is not None and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:/", str(out)):
        # typer has already folded "s3://b/p" into the path "s3:/b/p": refuse, do not create it
        raise InputError("run keeps its state and reports beside the dataset, so --out must "
                         "be a local directory; to use object storage: synthgen generate "
                         "--out <url>, then synthgen validate <url> and synthgen load <url>")
    console = Console(stderr=as_json, highlight=False)
    live = console.is_terminal and not as_json
    opts = RunOptions(band=band, seed=seed, dsn=dsn, schema=schema, out=out,
                      indexes=indexes or DEFAULT_INDEXES, spec=spec, tolerance=tolerance,
                      workers=workers, jobs=jobs, runs=runs, resume=resume, force=force,
                      finish="keep" if keep else "teardown" if teardown else "rollback",
                      progress=live and sys.stderr.isatty(),
                      workload_seconds=0 if no_workload else workload_seconds,
                      workload_clients=parse_clients(workload_clients),
                      workload_repeats=workload_repeats)
    result = run(opts, _events(console, live))
    if as_json:
        typer.echo(json.dumps(result.report, indent=1, default=str))
    else:
        _summary(console, result.report, result.paths)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
