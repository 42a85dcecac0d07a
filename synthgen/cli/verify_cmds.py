"""``synthgen verify baseline|compare`` and ``synthgen indexes apply|rollback`` (gate 2).

Thin wrappers over ``synthgen.verify``; heavy imports happen inside the commands. With no
``--dsn`` the embedded server (.synthgen/pg) is used. ``verify compare`` exits 0 on GO and
1 on NO-GO.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded

# the shipped candidate (package data), so the commands work from any directory
PHASE2 = Path(__file__).resolve().parent.parent / "indexes" / "phase-2.sql"
ROLLBACK = PHASE2.with_name("phase-2.rollback.sql")

verify_app = typer.Typer(help="EXPLAIN baselines of the hot queries and the GO / NO-GO compare.",
                         no_args_is_help=True, cls=opt.Group)
indexes_app = typer.Typer(help="Apply or roll back an index file (CREATE INDEX CONCURRENTLY).",
                          no_args_is_help=True, cls=opt.Group)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@verify_app.command("baseline", cls=opt.Command)
@guarded
def baseline_cmd(
    label: Annotated[str, typer.Option("--label", help="Name of this baseline (e.g. pre, "
                                       "post).")],
    dsn: opt.Dsn = None,
    schema: opt.Schema = "perf_synthetic",
    runs: opt.Runs = 10,
    warmup: Annotated[int, typer.Option("--warmup", min=0, max=100,
                                        help="Warm-up runs per case.")] = 2,
    parallel_workers: Annotated[int, typer.Option(
        "--parallel-workers", min=0, max=64,
        help="max_parallel_workers_per_gather, pinned.")] = 2,
    queries: Annotated[Path | None, typer.Option(
        "--queries", help="Directory of extra query files (*.sql).")] = None,
    params_from: Annotated[Path | None, typer.Option(
        "--params-from", help="Reuse the parameter sets of this baseline (post reuses pre's).")
    ] = None,
    seed: Annotated[str, opt.seed("Seed of the parameter draw (recorded in the baseline).")
                    ] = "gate2",
    out: Annotated[Path | None, opt.out("Baseline file (default baseline-LABEL.json).")] = None,
) -> None:
    """Measure the hot queries with EXPLAIN (ANALYZE, BUFFERS) and write a baseline JSON."""
    from synthgen.pg.sql import check_schema_name, redact_dsn
    from synthgen.pg.target import resolve
    from synthgen.verify import baseline, load_baseline, save_baseline

    check_schema_name(schema)
    target = resolve(dsn)
    sets = load_baseline(params_from)["param_sets"] if params_from else None
    _say(f"baseline {label!r} of schema {schema} on {redact_dsn(target)}")
    doc = baseline(target, schema, label, runs=runs, warmup=warmup,
                   parallel_workers=parallel_workers, queries_dir=queries, param_sets=sets,
                   seed=seed, progress=_say)
    path = save_baseline(doc, out or Path(f"baseline-{label}.json"))
    for r in doc["results"]:
        print(f"{r['query']:<6} {r['param_set']:<16} p50 {r['execution_ms']['p50']:>9.4f} ms  "
              f"(batch {r['batch']:>3})  buffers {r['buffers_runs'][0]:>6}  "
              f"sorts {len(r['plan']['sorts'])}  "
              f"{', '.join(r['plan']['indexes_used']) or 'no index'}")
    _say(f"wrote {path}")


@verify_app.command("compare", cls=opt.Command)
@guarded
def compare_cmd(
    pre: Annotated[Path, typer.Argument(help="Baseline before the change.")],
    post: Annotated[Path, typer.Argument(help="Baseline after the change.")],
    as_json: Annotated[bool, opt.as_json("Print the report as JSON.")] = False,
    out: Annotated[Path | None, opt.out("Also write the JSON report here.")] = None,
    diffs: Annotated[bool, opt.flag("--diffs/--no-diffs",
                                    help="Show plan diffs (text).")] = True,
    indexes: Annotated[Path | None, typer.Option(
        "--indexes", help="The candidate index file: post must be pre plus exactly its "
        "indexes (default: the shipped phase-2 candidate).")] = None,
    spec: opt.Spec = None,
    min_improvement: Annotated[float, typer.Option(
        "--min-improvement", min=0.0, max=1.0,
        help="Workload-weighted time improvement GO requires (0.30 = 30%).")] = 0.30,
    builds: Annotated[Path | None, typer.Option(
        "--builds", help="JSON of `indexes apply --json` (build times shown as costs).")] = None,
    workload: Annotated[tuple[Path, Path] | None, typer.Option(
        "--workload", metavar="PRE POST", help="The workload.json of `synthgen workload` "
        "before and after (same --seed, --clients, --seconds; --repeats 3 and "
        "--control-seconds 1 recommended): adds the criterion workload_no_regression.")] = None,
) -> None:
    """Classify each case with its interval, apply the weighted rule: GO / NO-GO (exit 0 / 1)."""
    from synthgen.pipeline.options import DEFAULT_INDEXES
    from synthgen.spec import load_spec
    from synthgen.verify import compare, load_baseline, render_text
    from synthgen.verify.indexes import build_seconds, candidate_names

    a, b = load_baseline(pre), load_baseline(post)
    report = compare(a, b, weights=load_spec(spec).workload.shares(),
                     min_improvement=min_improvement,
                     candidate=candidate_names(indexes or DEFAULT_INDEXES,
                                               str(b.get("schema") or "public")),
                     builds=build_seconds(json.loads(builds.read_text())) if builds else None,
                     workload=_workloads(workload) if workload else None)
    if out is not None:
        from synthgen.dataset import write_json

        write_json(out, report)
    print(json.dumps(report, indent=1) if as_json else render_text(report, diffs=diffs))
    if report["decision"] != "GO":
        raise typer.Exit(1)


def _workloads(paths: tuple[Path, Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two workload documents, checked to be ``synthgen-workload/1``."""
    from synthgen.errors import InputError
    from synthgen.workload.runner import FORMAT

    docs = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"workload file not found: {path}") from None
        except (ValueError, UnicodeDecodeError):
            raise InputError(f"{path} is not JSON") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or "levels" not in doc:
            raise InputError(f"{path} is not a {FORMAT} document (synthgen workload --out)")
        docs.append(doc)
    return docs[0], docs[1]


@indexes_app.command("apply", cls=opt.Command)
@guarded
def apply_cmd(
    file: Annotated[Path, typer.Argument(help="Index file ({schema} placeholder).")] = PHASE2,
    dsn: opt.Dsn = None,
    schema: opt.Schema = "perf_synthetic",
    as_json: Annotated[bool, opt.as_json("Print the result as JSON.")] = False,
) -> None:
    """Build the file's indexes one statement at a time, outside any transaction."""
    _index_file("apply", file, dsn, schema, as_json)


@indexes_app.command("rollback", cls=opt.Command)
@guarded
def rollback_cmd(
    file: Annotated[Path, typer.Argument(help="Rollback file.")] = ROLLBACK,
    dsn: opt.Dsn = None,
    schema: opt.Schema = "perf_synthetic",
    as_json: Annotated[bool, opt.as_json("Print the result as JSON.")] = False,
) -> None:
    """Drop the indexes a rollback file names (DROP INDEX CONCURRENTLY IF EXISTS)."""
    _index_file("rollback", file, dsn, schema, as_json)


def _index_file(kind: str, file: Path, dsn: str | None, schema: str, as_json: bool) -> None:
    """Apply or roll back one index file and print what each statement did."""
    from synthgen.pg.sql import check_schema_name, redact_dsn
    from synthgen.pg.target import resolve
    from synthgen.verify import apply_indexes, rollback_indexes

    check_schema_name(schema)
    target = resolve(dsn)
    _say(f"{kind} {file} on {redact_dsn(target)} schema {schema}")
    fn = apply_indexes if kind == "apply" else rollback_indexes
    result = fn(target, schema, file, progress=_say)
    if result["invalid_after"]:
        _say(f"warning: INVALID indexes in {schema}: {', '.join(result['invalid_after'])}")
    if as_json:
        print(json.dumps(result, indent=1))
        return
    for s in result["statements"]:
        size = "" if s["size_bytes"] is None else f"  {s['size_bytes'] / 2**20:8.2f} MiB"
        print(f"{s['status']:<8} {s['index'] or '(statement)'}  {s['seconds']:.2f} s{size}")
    print(f"total {result['total_seconds']:.2f} s")
