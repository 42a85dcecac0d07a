"""``synthgen verify baseline|compare`` and ``synthgen indexes apply|rollback`` (gate 2).

Thin wrappers over ``synthgen.verify``; heavy imports happen inside the commands. With no
``--dsn`` the embedded server (.synthgen/pg) is used. ``verify compare`` exits 0 on GO and
1 on NO-GO.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

DSN_HELP = "Target PostgreSQL DSN (default: the embedded server under .synthgen/pg)."
SCHEMA_HELP = "Schema holding the app's tables."
PHASE2 = Path("indexes/phase-2.sql")
ROLLBACK = Path("indexes/phase-2.rollback.sql")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def register(app: typer.Typer) -> None:
    """Add the ``verify`` and ``indexes`` command groups to the app."""
    from synthgen.cli import guarded

    verify = typer.Typer(help="EXPLAIN baselines of the hot queries and the GO / NO-GO compare.",
                         no_args_is_help=True)
    indexes = typer.Typer(help="Apply or roll back an index file (CREATE INDEX CONCURRENTLY).",
                          no_args_is_help=True)

    @verify.command("baseline")
    @guarded
    def baseline_cmd(
        label: str = typer.Option(..., "--label", help="Name of this baseline (e.g. pre, post)."),
        dsn: str = typer.Option(None, "--dsn", help=DSN_HELP, envvar="SYNTHGEN_DSN",
                                show_envvar=False),
        schema: str = typer.Option("perf_synthetic", "--schema", help=SCHEMA_HELP),
        runs: int = typer.Option(10, "--runs", min=1, max=1000,
                                 help="Measured runs per query and parameter set."),
        warmup: int = typer.Option(2, "--warmup", min=0, max=100, help="Warm-up runs per case."),
        parallel_workers: int = typer.Option(2, "--parallel-workers", min=0, max=64,
                                             help="max_parallel_workers_per_gather, pinned."),
        queries: Annotated[Path | None, typer.Option(
            "--queries", help="Directory of extra query files (*.sql).")] = None,
        params_from: Annotated[Path | None, typer.Option(
            "--params-from", help="Reuse the parameter sets of this baseline.")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="Baseline file (default baseline-LABEL.json).")] = None,
    ) -> None:
        """Measure the hot queries with EXPLAIN (ANALYZE, BUFFERS) and write a baseline JSON."""
        from synthgen.pg.sql import check_schema_name, redact_dsn
        from synthgen.verify import baseline, load_baseline, save_baseline
        from synthgen.verify.db import resolve_dsn

        check_schema_name(schema)
        target = resolve_dsn(dsn)
        sets = load_baseline(params_from)["param_sets"] if params_from else None
        _say(f"baseline {label!r} of schema {schema} on {redact_dsn(target)}")
        doc = baseline(target, schema, label, runs=runs, warmup=warmup,
                       parallel_workers=parallel_workers, queries_dir=queries, param_sets=sets,
                       progress=_say)
        path = save_baseline(doc, out or Path(f"baseline-{label}.json"))
        for r in doc["results"]:
            print(f"{r['query']:<6} {r['param_set']:<16} p50 {r['execution_ms']['p50']:>9.3f} ms  "
                  f"p95 {r['execution_ms']['p95']:>9.3f} ms  sorts {len(r['plan']['sorts'])}  "
                  f"{', '.join(r['plan']['indexes_used']) or 'no index'}")
        _say(f"wrote {path}")

    @verify.command("compare")
    @guarded
    def compare_cmd(
        pre: Annotated[Path, typer.Argument(help="Baseline before the change.")],
        post: Annotated[Path, typer.Argument(help="Baseline after the change.")],
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
        out: Annotated[Path | None, typer.Option(
            "--out", help="Also write the JSON report here.")] = None,
        diffs: bool = typer.Option(True, "--diffs/--no-diffs", help="Show plan diffs (text)."),
    ) -> None:
        """Classify each query, decide GO / NO-GO (exit 0 / 1), and say why."""
        from synthgen.verify import compare, load_baseline, render_text

        report = compare(load_baseline(pre), load_baseline(post))
        if out is not None:
            out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(report, indent=1) if as_json else render_text(report, diffs=diffs))
        if report["decision"] != "GO":
            raise typer.Exit(1)

    def _run(kind: str, file: Path, dsn: str | None, schema: str, as_json: bool) -> None:
        from synthgen.pg.sql import check_schema_name, redact_dsn
        from synthgen.verify import apply_indexes, rollback_indexes
        from synthgen.verify.db import resolve_dsn

        check_schema_name(schema)
        target = resolve_dsn(dsn)
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

    @indexes.command("apply")
    @guarded
    def apply_cmd(
        file: Annotated[Path, typer.Argument(help="Index file ({schema} placeholder).")] = PHASE2,
        dsn: str = typer.Option(None, "--dsn", help=DSN_HELP, envvar="SYNTHGEN_DSN",
                                show_envvar=False),
        schema: str = typer.Option("perf_synthetic", "--schema", help=SCHEMA_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Build the file's indexes one statement at a time, outside any transaction."""
        _run("apply", file, dsn, schema, as_json)

    @indexes.command("rollback")
    @guarded
    def rollback_cmd(
        file: Annotated[Path, typer.Argument(help="Rollback file.")] = ROLLBACK,
        dsn: str = typer.Option(None, "--dsn", help=DSN_HELP, envvar="SYNTHGEN_DSN",
                                show_envvar=False),
        schema: str = typer.Option("perf_synthetic", "--schema", help=SCHEMA_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Drop the indexes a rollback file names (DROP INDEX CONCURRENTLY IF EXISTS)."""
        _run("rollback", file, dsn, schema, as_json)

    app.add_typer(verify, name="verify")
    app.add_typer(indexes, name="indexes")
