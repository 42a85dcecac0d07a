"""The runner: loops over ``STAGES``, decides reuse vs run, stops on a halting NO-GO.

A complete run's report is also kept under ``reports/<target>/``, so runs against different
targets (server, database, schema) never overwrite each other's reports; ``report.*`` beside
the data is the latest run's. A run refused before any stage wrote (bad input, a dataset
already in ``--out``, a target that must not be touched) leaves every earlier output,
reports included, as it was.

Reuse (``--resume``) is one rule for every stage: nothing before it ran, its output files
exist, the inputs recorded for them in ``run-state.json`` equal this run's (unless the
outputs describe themselves), and any extra proof holds. Once a stage that writes runs,
every later stage runs too.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from synthgen.dataset import REPORT_JSON, REPORTS_DIR, write_json
from synthgen.errors import InputError, SynthgenError, TargetRefused
from synthgen.pipeline.options import Events, RunOptions, RunResult
from synthgen.pipeline.record import Gate, Result, RunRecord, StageOutcome
from synthgen.pipeline.stages import STAGES, Stage, write_report


def reusable(stage: Stage, rec: RunRecord, ran_any: bool) -> bool:
    """True when ``stage``'s earlier outputs can stand in for running it."""
    if stage.reuse is None or not rec.opts.resume or ran_any:
        return False
    if not all((rec.out / name).is_file() for name in stage.outputs):
        return False
    if not stage.self_describing:
        if stage.key is None or not rec.state.matches(stage.state or stage.name, stage.key(rec)):
            return False
    return stage.proof is None or stage.proof(rec)


def run_stage(rec: RunRecord, stage: Stage, ran_any: bool) -> tuple[Result, bool]:
    """Run or reuse one stage, recording its outcome; returns the result and whether it ran."""
    rec.events.stage_start(stage.name)
    t0 = time.perf_counter()
    if stage.enabled is not None and not stage.enabled(rec):
        result = stage.run(rec)  # the stage records that it was not asked for, nothing else
        rec.stages.append(StageOutcome(stage.name, "skipped", 0.0, result.note))
        rec.events.stage_end(rec.stages[-1], rec)
        return result, False
    try:
        if reusable(stage, rec, ran_any):
            assert stage.reuse is not None
            result, ran = stage.reuse(rec), False
        else:
            result, ran = stage.run(rec), True
    except BaseException as e:
        rec.stages.append(StageOutcome(stage.name, "failed",
                                       round(time.perf_counter() - t0, 3), str(e)))
        rec.events.stage_end(rec.stages[-1], rec)
        raise
    seconds = time.perf_counter() - t0
    # a stage checking a borrowed entry leaves it to its owner, who records after measuring
    if ran and stage.key is not None and stage.state is None:
        rec.state.record(rec.out, stage.name, stage.key(rec), seconds, seed=rec.seed,
                         band=rec.opts.band)
    rec.stages.append(StageOutcome(stage.name, "done" if ran else "skipped",
                                   round(seconds, 3), result.note))
    rec.events.stage_end(rec.stages[-1], rec)
    return result, ran


def refused(e: SynthgenError) -> bool:
    """A refusal (bad input, a target we must not touch): raised before the stage wrote.

    Not a DatasetError: that is found in the data, part way through a stage.
    """
    return isinstance(e, TargetRefused) or type(e) is InputError


def _mark_not_run(rec: RunRecord, *, final_too: bool) -> None:
    seen = {s.name for s in rec.stages}
    for stage in STAGES:
        if stage.name not in seen and (final_too or not stage.final):
            rec.stages.append(StageOutcome(stage.name, "not-run", 0.0, ""))


def run(opts: RunOptions, events: Events | None = None) -> RunResult:
    """Run the pipeline; NO-GO is a result (exit 1), errors raise after writing the report."""
    rec = RunRecord.start(opts, events)
    ran_any = halted = False
    try:
        for stage in STAGES:
            if halted and not stage.final:
                rec.stages.append(StageOutcome(stage.name, "not-run", 0.0, ""))
                continue
            result, ran = run_stage(rec, stage, ran_any)
            ran_any = ran_any or (ran and stage.writes)
            halted = halted or (stage.halts_on_no_go and isinstance(result, Gate)
                                and not result.go)
    except SynthgenError as e:
        rec.error = f"{rec.stages[-1].name if rec.stages else 'run'}: {e}"
        _mark_not_run(rec, final_too=False)
        if not (refused(e) and not ran_any):  # a refusal changed nothing: neither do we
            try:
                write_report(rec, with_plots=False)
            except Exception:  # the original error matters more than the report
                pass
        raise
    assert rec.report is not None
    doc, paths = rec.report.doc, dict(rec.report.paths)
    doc["stages"] = [s.to_json() for s in rec.stages]  # with the report stage itself
    write_json(rec.out / REPORT_JSON, doc, default=str)
    paths[REPORT_JSON] = rec.out / REPORT_JSON
    save_target_copy(doc, rec.out)
    return RunResult(doc, paths)


def target_slug(target: dict[str, Any]) -> str:
    """A directory name for a target: host, port, database and schema.

    >>> target_slug({"dsn": "postgresql://app:***@db.test:6432/perf", "schema": "s1"})
    'db.test_6432_perf_s1'
    """
    import re

    from synthgen.pg.target import dsn_address, dsn_database

    hosts, port = dsn_address(str(target["dsn"]))
    parts = [",".join(hosts) or "local", str(port or ""), dsn_database(str(target["dsn"])) or "",
             str(target["schema"])]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(p for p in parts if p))


def save_target_copy(doc: dict[str, Any], out: Path) -> Path | None:
    """Keep a complete report also under ``reports/<target>/``: a run against another target
    replaces ``report.*`` but never this one. None when no target was reached."""
    from synthgen.report import model

    target = doc.get("target")
    if not target:
        return None
    where = out / REPORTS_DIR / target_slug(target)
    where.mkdir(parents=True, exist_ok=True)
    model.write(doc, where)
    return where


__all__ = ["reusable", "run", "run_stage", "save_target_copy"]
