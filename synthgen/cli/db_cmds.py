"""``synthgen load``, ``synthgen teardown`` and ``synthgen db start|stop|status|url|psql``.

Thin wrappers: the work lives in ``synthgen.load`` and ``synthgen.pg``. Heavy imports
happen inside commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded

db_app = typer.Typer(help="Manage the embedded PostgreSQL server (one per user or project; "
                          "see --data-dir).",
                     no_args_is_help=True, cls=opt.Group)


@db_app.command("start", cls=opt.Command)
@guarded
def db_start(data_dir: opt.DataDir = None) -> None:
    """Start (initialising on first use) the embedded server; print its DSN."""
    from synthgen.pg import server as embedded

    dsn = embedded.ensure_server(data_dir, announce=lambda line: print(line, file=sys.stderr))
    print(dsn)
    print("connect with: synthgen db psql", file=sys.stderr)


@db_app.command("stop", cls=opt.Command)
@guarded
def db_stop(data_dir: opt.DataDir = None) -> None:
    """Stop the embedded server (its data stays)."""
    from synthgen.pg import server as embedded

    print("stopped" if embedded.stop_server(data_dir) else "not running")


@db_app.command("status", cls=opt.Command)
@guarded
def db_status(data_dir: opt.DataDir = None,
              as_json: Annotated[bool, opt.as_json("JSON output.")] = False) -> None:
    """Is the embedded server initialised and running, and where."""
    from synthgen.pg import server as embedded

    st = embedded.status(data_dir)
    if as_json:
        print(json.dumps({"data_dir": str(st.data_dir), "initialized": st.initialized,
                          "running": st.running, "pid": st.pid, "port": st.port,
                          "dsn": st.dsn if st.running else None}))
        return
    state = "running" if st.running else ("stopped" if st.initialized else "not initialised")
    print(f"embedded PostgreSQL: {state} ({st.data_dir})")
    if st.running:
        print(f"  pid {st.pid}, dsn {st.dsn}")


@db_app.command("url", cls=opt.Command)
@guarded
def db_url(data_dir: opt.DataDir = None) -> None:
    """Print the embedded server's DSN (starting it if down): psql "$(synthgen db url)"."""
    from synthgen.pg import server as embedded

    print(embedded.ensure_server(data_dir, announce=lambda line: print(line, file=sys.stderr)))


@db_app.command("psql", cls=opt.Command,
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@guarded
def db_psql(ctx: typer.Context, dsn: opt.Dsn = None, data_dir: opt.DataDir = None) -> None:
    """Open psql on the target (the embedded server by default), with the wheel's own psql.

    Arguments after the options go to psql: ``synthgen db psql -- -c 'select 1'``.
    No system PostgreSQL client is needed.
    """
    import shutil
    import subprocess

    from synthgen.pg import server as embedded

    target = dsn or embedded.ensure_server(data_dir, announce=lambda line: print(
        line, file=sys.stderr))
    try:
        client = str(embedded.bin_dir() / "psql")
    except Exception:  # no wheel: a system psql will do
        client = shutil.which("psql") or "psql"
    code = subprocess.call([client, target, *ctx.args])
    raise typer.Exit(code)


@guarded
def load(
    dataset: opt.Dataset,
    dsn: opt.Dsn = None,
    schema: opt.Schema = "perf_synthetic",
    resume: Annotated[bool, opt.resume("Continue an interrupted load.")] = False,
    order: Annotated[str, typer.Option("--order", help="messages insert order: time "
                                       "(global createdAt, as production) or "
                                       "conversation (clustered).")] = "time",
    jobs: opt.Jobs = 2,
    force: Annotated[bool, opt.force("Allow a first load into an unmarked non-empty "
                                     "database, or replacing another dataset in the "
                                     "schema.")] = False,
    existing: Annotated[bool, opt.flag("--existing", help="Append into tables the app's "
                                       "migrations created (no DDL).")] = False,
    report: Annotated[Path | None, typer.Option("--report",
                                                help="Write the JSON report here.")] = None,
    slice_rows: Annotated[int, typer.Option("--slice-rows", min=1, hidden=True,
                                            help="Messages per time slice.")] = 250_000,
    cluster: Annotated[str | None, opt.cluster(
        "Load the partitions from Dask workers: tcp://scheduler:8786, or local:N for N local "
        "worker processes (needs pip install synthgen\\[cluster]). Each worker thread holds "
        "one connection; --order time keeps messages on this machine, one stream; --jobs sets "
        "the post-load sessions.")] = None,
) -> None:
    """Load a dataset into PostgreSQL over ADBC bulk ingest (binary COPY), here or on Dask."""
    from synthgen.load import load_dataset
    from synthgen.pg.guards import refuse_production
    from synthgen.pg.target import resolve

    refuse_production()  # before resolve() may start the embedded server
    result = load_dataset(dataset, resolve(dsn), schema, resume=resume, order=order, jobs=jobs,
                          force=force, existing=existing, progress=True,
                          slice_rows=slice_rows, cluster=cluster)
    _print_summary(result)
    if report is not None:
        from synthgen.dataset import write_json

        write_json(report, result)


@guarded
def teardown(
    dsn: opt.Dsn = None,
    schema: opt.Schema = "perf_synthetic",
    yes: Annotated[bool, opt.flag("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Drop what synthgen created in the target schema (and only that)."""
    from synthgen.load.teardown import plan_teardown, run_teardown
    from synthgen.pg.guards import refuse_production
    from synthgen.pg.target import resolve

    refuse_production()  # before resolve() may start the embedded server
    plan = plan_teardown(resolve(dsn), schema)
    for line in plan.describe():
        print(line)
    if not plan.actions:
        return
    if not yes and not typer.confirm("Proceed?", default=False):
        print("aborted", file=sys.stderr)
        raise typer.Exit(1)
    from synthgen.workload.cleanup import forget_schema

    left = forget_schema(plan.dsn, schema)  # an interrupted `synthgen workload`'s rows first
    if left is not None:
        print(f"removed an interrupted workload's rows: {left}")
    run_teardown(plan)
    print("done")


def _print_summary(result: dict[str, Any]) -> None:
    print(f"loaded schema {result['schema']} into {result['dsn']}"
          + (" (resumed)" if result.get("resumed") else ""))
    for name, t in result["tables"].items():
        print(f"  {name:<20} {t['rows_total']:>12,} rows  {t['seconds']:>8.2f}s  "
              f"{t['rows_per_s']:>12,.0f} rows/s  {t['mb_per_s']:>8.1f} MB/s")
    print(f"  data {result['data_seconds']:.2f}s, keys+indexes {result['post_load_seconds']:.2f}s, "
          f"analyze {result['analyze_seconds']:.2f}s, total {result['total_seconds']:.2f}s")
    if result.get("embedded"):
        print(f'connect with: synthgen db psql  (or psql "{result["dsn"]}")')
