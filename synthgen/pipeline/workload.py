"""The workload phase of ``synthgen run``: the spec's mix replayed with pgbench before and
after the candidate (stages ``workload pre`` and ``workload post``), judged by gate 2's
``workload_no_regression`` (``synthgen.verify.workload_compare``)."""

from __future__ import annotations

from typing import Any

from synthgen.dataset import WORKLOAD_POST, WORKLOAD_PRE, read_json, write_json
from synthgen.pipeline.options import sha256_short, sha256_short_text
from synthgen.pipeline.record import RunRecord, Workload


def workload_on(rec: RunRecord) -> bool:
    return rec.opts.workload_seconds > 0


def workload_key(rec: RunRecord) -> dict[str, Any]:
    o = rec.opts
    return {**rec.target_key(), "seconds": o.workload_seconds,
            "clients": list(o.workload_clients), "repeats": o.workload_repeats}


def workload_post_key(rec: RunRecord) -> dict[str, Any]:
    return {**workload_key(rec), "runs": rec.opts.runs, "indexes": str(rec.opts.indexes),
            "indexes_sha256": sha256_short(rec.opts.indexes)}


WORKLOAD_CONTROL_SECONDS = 1
"""The draw-only control step before each workload step (thousands of draws a second)."""


def _replay(rec: RunRecord, file: str, label: str) -> Workload:
    """Replay the spec's mix at the options' client levels; the same pgbench seed pre and
    post (derived from the run's seed), so both sides draw the same parameters."""
    from synthgen.generate.plan import resolve
    from synthgen.workload import WorkloadOptions, make_mix, run_workload, spec_weights

    o = rec.opts
    if not workload_on(rec):
        return Workload(None, "not measured (--workload-seconds 0)")
    _, spec = resolve(o.band, o.spec)
    seed = int(sha256_short_text(rec.seed), 16) % 2**31
    options = WorkloadOptions(make_mix(spec_weights(spec.workload)), o.workload_clients,
                              o.workload_seconds, seed=seed, repeats=o.workload_repeats,
                              control_seconds=WORKLOAD_CONTROL_SECONDS)
    doc = run_workload(rec.target(), o.schema, options, progress=rec.events.progress)
    doc["label"] = label
    write_json(rec.out / file, doc, default=str)
    tps = {lv["clients"]: lv["summary"]["all"]["tps"] for lv in doc["levels"]}
    return Workload(doc, f"{len(doc['levels'])} steps of {o.workload_seconds} s, tps by "
                         f"clients {', '.join(f'{c}: {t:.1f}' for c, t in tps.items())} "
                         f"(last repeat); counts restored")


def _reuse_replay(rec: RunRecord, file: str) -> Workload:
    return Workload(read_json(rec.out / file), f"{file} exists")


def workload_pre(rec: RunRecord) -> Workload:
    rec.workload_pre = _replay(rec, WORKLOAD_PRE, "pre")
    return rec.workload_pre


def reuse_workload_pre(rec: RunRecord) -> Workload:
    rec.workload_pre = _reuse_replay(rec, WORKLOAD_PRE)
    return rec.workload_pre


def workload_post(rec: RunRecord) -> Workload:
    rec.workload_post = _replay(rec, WORKLOAD_POST, "post")
    return rec.workload_post


def reuse_workload_post(rec: RunRecord) -> Workload:
    rec.workload_post = _reuse_replay(rec, WORKLOAD_POST)
    return rec.workload_post
