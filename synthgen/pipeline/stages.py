"""The stages of ``synthgen run``, in order: each a function of the run record.

A stage returns its typed result and stores it on the record. What it may reuse under
``--resume`` is declared beside it in ``STAGES`` (its output files, the inputs they were made
with, any extra proof), and the runner decides; no stage decides to skip itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthgen.dataset import (
    BASELINE_POST,
    BASELINE_PRE,
    COMPARE,
    FIDELITY,
    GENERATION,
    INDEXES_APPLY,
    LOAD,
    MANIFEST,
    REPORT_HTML,
    SEED_HINT,
    SPEC_CHECK,
    WORKLOAD_POST,
    WORKLOAD_PRE,
    read_json,
    write_json,
)
from synthgen.errors import InputError
from synthgen.pipeline.options import default_seed, sha256_short
from synthgen.pipeline.record import (
    Applied,
    Baseline,
    Finish,
    Gate,
    Generation,
    Load,
    Report,
    Result,
    RunRecord,
    RunState,
    SpecCheck,
)
from synthgen.pipeline.workload import (
    reuse_workload_post,
    reuse_workload_pre,
    workload_key,
    workload_on,
    workload_post,
    workload_post_key,
    workload_pre,
)


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the run and what makes its earlier output reusable."""

    name: str
    run: Callable[[RunRecord], Result]
    reuse: Callable[[RunRecord], Result] | None = None
    """Rebuild the result from the stage's files; None: the stage always runs."""
    outputs: tuple[str, ...] = ()
    """Files in the dataset directory that must exist for ``reuse``."""
    key: Callable[[RunRecord], dict[str, Any]] | None = None
    """The inputs the outputs depend on, recorded in run-state.json; reuse needs the same."""
    state: str | None = None
    """Another stage's run-state entry to check the key against (that stage records it)."""
    self_describing: bool = False
    """The outputs name their own inputs (the manifest: seed, band, spec hash, checked by
    the spec check), so reusing them needs no run-state entry."""
    proof: Callable[[RunRecord], bool] | None = None
    """Extra evidence the outputs still hold (the database's own load ledger)."""
    halts_on_no_go: bool = False
    """A NO-GO here ends the run (later stages are not run; the report still is)."""
    writes: bool = True
    """False for a stage that leaves nothing behind: later stages may still be reused."""
    final: bool = False
    """Runs even after a gate halted the run (the report)."""
    enabled: Callable[[RunRecord], bool] | None = None
    """None: always. When it says False, ``run`` only records that (status ``skipped``) and
    the stage counts as writing nothing."""


# -- spec check ---------------------------------------------------------------------------


def spec_check(rec: RunRecord) -> SpecCheck:
    """Fix the seed, refuse a directory we must not touch, and judge the plan's feasibility."""
    from synthgen.dataset import is_complete, read_manifest
    from synthgen.generate.check import spec_check as check_spec
    from synthgen.generate.plan import resolve
    from synthgen.spec import spec_hash

    o, out = rec.opts, rec.out
    band, spec = resolve(o.band, o.spec)
    if is_complete(out):
        m = read_manifest(out)
        if o.resume:
            if o.seed and o.seed != m.seed:
                raise InputError(f"{out} holds seed {m.seed!r}, not {o.seed!r}: "
                                 "drop --resume, or --seed, or choose another --out")
            if m.band != band.name or m.spec_hash != spec_hash(spec):
                raise InputError(f"{out} was generated for band {m.band!r} with spec "
                                 f"{m.spec_hash}; this run asks for band {band.name!r} with "
                                 f"spec {spec_hash(spec)}: drop --resume or choose another --out")
            rec.seed, rec.seed_source = m.seed, "dataset"
            rec.state = RunState.read(out)
        elif not o.force:
            raise InputError(f"{out} already holds a complete dataset (seed {m.seed!r}); "
                             "use --resume to reuse it, --force to replace it, or another --out")
    hint = out / SEED_HINT
    if not rec.seed and o.resume and hint.is_file():
        rec.seed, rec.seed_source = hint.read_text().strip(), "interrupted"
    if not rec.seed:
        rec.seed, rec.seed_source = default_seed(o.band), "generated"
    check = check_spec(band, o.spec, out, seed=rec.seed)
    bad = check.infeasible
    note = (f"{len(bad)} target(s) infeasible for band {band.name}, judged against the "
            f"resolved target in gate 1: {', '.join(bad)}" if bad else "all targets feasible")
    if check.disk_warning:
        note += f"; warning: {check.disk_warning}"
    rec.spec_check = SpecCheck(check, note)
    return rec.spec_check


# -- generate -----------------------------------------------------------------------------


def _keep_spec_check(rec: RunRecord) -> None:
    # written once the directory holds this dataset: the generator clears run files
    assert rec.spec_check is not None
    write_json(rec.out / SPEC_CHECK, rec.spec_check.report, default=str)


def generate(rec: RunRecord) -> Generation:
    """Generate the dataset (the generator clears the old one and what runs wrote about it)."""
    from synthgen.generate import generate_dataset

    o, out = rec.opts, rec.out
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    # a dot file survives the generator's clean-up: --resume after an interrupted
    # generation regenerates the same seed even when the seed was not given
    (out / SEED_HINT).write_text(rec.seed + "\n")
    report = generate_dataset(out, o.band, rec.seed, spec_path=o.spec, workers=o.workers,
                              force=o.force, progress=o.progress)
    (out / SEED_HINT).unlink(missing_ok=True)  # seed.txt holds it now
    rec.state = RunState()  # the generator removed run-state.json with the old dataset
    _keep_spec_check(rec)
    rec.generation = Generation(report, (
        f"{report['total_rows']:,} rows, {report['bytes'] / 1e6:,.0f} MB "
        f"({report['rows_per_s']:,} rows/s)"))
    return rec.generation


def reuse_generation(rec: RunRecord) -> Generation:
    _keep_spec_check(rec)
    rec.generation = Generation(read_json(rec.out / GENERATION),
                                f"complete dataset in {rec.out} (seed {rec.seed})")
    return rec.generation


# -- gate 1 -------------------------------------------------------------------------------


def _validate_key(rec: RunRecord) -> dict[str, Any]:
    return {"tolerance": rec.opts.tolerance, "spec": rec.opts.spec and str(rec.opts.spec)}


def _fidelity(rec: RunRecord, doc: dict[str, Any]) -> Gate:
    s = doc["summary"]
    note = (f"{doc['decision']}: {s['checks']} checks, {s['warning']} warning(s), "
            f"{s['critical']} critical, {s['failed']} failed")
    if doc["decision"] != "GO":
        note += f" ({'; '.join(doc['reasons'])})"
    rec.fidelity = Gate(doc, note)
    return rec.fidelity


def validate(rec: RunRecord) -> Gate:
    from synthgen.fidelity import validate_dataset
    from synthgen.fidelity.progress import ValidateProgress, describe

    def show(p: ValidateProgress) -> None:
        rec.events.progress(describe(p))

    return _fidelity(rec, validate_dataset(rec.out, tolerance=rec.opts.tolerance,
                                           progress=show))


def reuse_validation(rec: RunRecord) -> Gate:
    return _fidelity(rec, read_json(rec.out / FIDELITY))


# -- load ---------------------------------------------------------------------------------


def load(rec: RunRecord) -> Load:
    from synthgen.load import load_dataset

    o = rec.opts
    report = load_dataset(rec.out, rec.target(), o.schema, resume=o.resume, jobs=o.jobs,
                          force=o.force, progress=o.progress)
    write_json(rec.out / LOAD, report, default=str)
    rows = sum(t["rows_total"] for t in report["tables"].values())
    rec.load = Load(report, (
        f"{rows:,} rows into {report['dsn']} schema {o.schema} (data "
        f"{report['data_seconds']:.1f} s, keys+indexes {report['post_load_seconds']:.1f} s, "
        f"analyze {report['analyze_seconds']:.1f} s)"))
    return rec.load


def reuse_load(rec: RunRecord) -> Load:
    rec.load = Load(read_json(rec.out / LOAD),
                    f"schema {rec.opts.schema} already holds this dataset (ledger complete)")
    return rec.load


def load_ledger_complete(rec: RunRecord) -> bool:
    from synthgen.dataset import read_manifest
    from synthgen.pipeline.db import ledger_complete

    return ledger_complete(rec.target(), rec.opts.schema, read_manifest(rec.out))


# -- baselines and indexes ----------------------------------------------------------------


def _pre_key(rec: RunRecord) -> dict[str, Any]:
    return {**rec.target_key(), "runs": rec.opts.runs}


def _post_key(rec: RunRecord) -> dict[str, Any]:
    return {**rec.target_key(), "runs": rec.opts.runs, "indexes": str(rec.opts.indexes),
            "indexes_sha256": sha256_short(rec.opts.indexes)}


def baseline_pre(rec: RunRecord) -> Baseline:
    """Measure the "before", first rolling back indexes a kept earlier run left."""
    from synthgen.pipeline.db import indexes_present, rollback_file
    from synthgen.verify import baseline, rollback_indexes, save_baseline

    o, dsn = rec.opts, rec.target()
    present = indexes_present(dsn, o.schema, o.indexes)
    if present:  # a "before" measured with the new indexes on would prove nothing
        back = rollback_file(o.indexes)
        if not back.is_file():
            raise InputError(f"schema {o.schema} already has {', '.join(present)} from "
                             f"{o.indexes} and there is no {back} to remove them: the "
                             "pre baseline would not be a true 'before'")
        rec.events.progress(f"rolling back {', '.join(present)} (left by an earlier run) first")
        rollback_indexes(dsn, o.schema, back)
    doc = baseline(dsn, o.schema, "pre", runs=o.runs, progress=rec.events.progress)
    save_baseline(doc, rec.out / BASELINE_PRE)
    rec.pre = Baseline(doc, f"{len(doc['results'])} cases × {o.runs} runs", tuple(present))
    return rec.pre


def reuse_baseline_pre(rec: RunRecord) -> Baseline:
    from synthgen.verify import load_baseline

    rec.pre = Baseline(load_baseline(rec.out / BASELINE_PRE), f"{BASELINE_PRE} exists")
    return rec.pre


def apply_indexes(rec: RunRecord) -> Applied:
    from synthgen.verify import apply_indexes

    o = rec.opts
    result = apply_indexes(rec.target(), o.schema, o.indexes, progress=rec.events.progress)
    write_json(rec.out / INDEXES_APPLY, result, default=str)
    made = [s for s in result["statements"] if s["action"] == "create"]
    size = sum(s["size_bytes"] or 0 for s in made)
    rec.applied = Applied(result, (
        f"{len(made)} index(es) from {o.indexes} "
        f"({', '.join(sorted({s['status'] for s in made}))}), {size / 2**20:,.1f} MiB"))
    return rec.applied


def reuse_apply(rec: RunRecord) -> Applied:
    path = rec.out / INDEXES_APPLY  # optional: the post baseline is what proves the build
    rec.applied = Applied(read_json(path) if path.is_file() else None, "post baseline complete")
    return rec.applied


def baseline_post(rec: RunRecord) -> Baseline:
    """Measure the "after" with the same parameter sets as the "before"."""
    from synthgen.verify import baseline, save_baseline

    assert rec.pre is not None
    o = rec.opts
    doc = baseline(rec.target(), o.schema, "post", runs=o.runs,
                   param_sets=rec.pre.doc["param_sets"], progress=rec.events.progress)
    save_baseline(doc, rec.out / BASELINE_POST)
    rec.post = Baseline(doc, f"{len(doc['results'])} cases × {o.runs} runs, same parameters "
                             "as pre")
    return rec.post


def reuse_baseline_post(rec: RunRecord) -> Baseline:
    from synthgen.verify import load_baseline

    rec.post = Baseline(load_baseline(rec.out / BASELINE_POST), f"{BASELINE_POST} exists")
    return rec.post


# -- gate 2 and after ---------------------------------------------------------------------


def compare(rec: RunRecord) -> Gate:
    from synthgen.generate.plan import resolve
    from synthgen.verify import compare
    from synthgen.verify.indexes import build_seconds, candidate_names

    assert rec.pre is not None
    assert rec.post is not None
    o = rec.opts
    _, spec = resolve(o.band, o.spec)  # the run's workload mix weighs the verdict
    wl = (rec.workload_pre.doc, rec.workload_post.doc) if (
        rec.workload_pre and rec.workload_post and rec.workload_pre.doc is not None
        and rec.workload_post.doc is not None) else None
    report = compare(rec.pre.doc, rec.post.doc, weights=spec.workload.shares(),
                     candidate=candidate_names(o.indexes, o.schema),
                     builds=build_seconds(rec.applied.result if rec.applied else None),
                     workload=wl)
    write_json(rec.out / COMPARE, report, default=str)
    c = report["counts"]
    fails = [r for r in report["reasons"] if r.startswith("FAIL")]
    rec.compare = Gate(report, (
        f"{report['decision']}: {c['improved']} improved, {c['degraded']} degraded, "
        f"{c['unchanged']} unchanged, {c['inconclusive']} inconclusive"
        + (f" ({'; '.join(fails)})" if fails else "")))
    return rec.compare


def finish(rec: RunRecord) -> Finish:
    from synthgen.pipeline.db import finish

    result = finish(rec.target(), rec.opts.schema, rec.opts.indexes, rec.opts.finish)
    rec.finish = Finish(result, result["note"])
    return rec.finish


def write_report(rec: RunRecord, *, with_plots: bool) -> Report:
    """report.json/.md/.html from the record (nothing when there is no complete dataset)."""
    from synthgen.dataset import is_complete
    from synthgen.report import model

    if not is_complete(rec.out):
        return Report({}, {}, "")
    dists = None
    if with_plots:
        from synthgen.report.distributions import collect

        dists = collect(rec.out)
    doc = model.build(rec, distributions=dists)
    paths = model.write(doc, rec.out)
    rec.report = Report(doc, paths, str(paths.get(REPORT_HTML, "")))
    return rec.report


def report(rec: RunRecord) -> Report:
    return write_report(rec, with_plots=True)


STAGES: tuple[Stage, ...] = (
    Stage("spec check", spec_check, writes=False),
    Stage("generate", generate, reuse_generation, outputs=(MANIFEST,),
          key=lambda rec: {"seed": rec.seed}, self_describing=True),
    Stage("validate", validate, reuse_validation, outputs=(FIDELITY,), key=_validate_key,
          halts_on_no_go=True),
    Stage("load", load, reuse_load, outputs=(LOAD,), key=RunRecord.target_key,
          proof=load_ledger_complete),
    Stage("baseline pre", baseline_pre, reuse_baseline_pre, outputs=(BASELINE_PRE,),
          key=_pre_key),
    Stage("workload pre", workload_pre, reuse_workload_pre, outputs=(WORKLOAD_PRE,),
          key=workload_key, enabled=workload_on),
    # the index build is idempotent: redone whenever the post baseline is
    Stage("apply indexes", apply_indexes, reuse_apply, outputs=(BASELINE_POST,), key=_post_key,
          state="baseline post"),
    Stage("baseline post", baseline_post, reuse_baseline_post, outputs=(BASELINE_POST,),
          key=_post_key),
    Stage("workload post", workload_post, reuse_workload_post, outputs=(WORKLOAD_POST,),
          key=workload_post_key, enabled=workload_on),
    Stage("compare", compare),
    Stage("finish", finish),
    Stage("report", report, final=True),
)
"""The run, in order (``synthgen run`` prints ``[i/len(STAGES)]`` against this)."""

STAGE_NAMES = tuple(s.name for s in STAGES)
