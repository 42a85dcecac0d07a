"""``synthgen run``: the stages in order, through the same library functions as the subcommands.

    spec check → generate → validate (gate 1) → load → baseline pre → apply indexes →
    baseline post → compare (gate 2) → finish (roll back / keep / tear down) → report

A gate's NO-GO stops the run (gate 1 before anything is loaded); the report is written
either way. Outputs live in the dataset directory: the dataset, ``fidelity.json``,
``load.json``, ``baseline-pre.json``, ``baseline-post.json``, ``indexes-apply.json``,
``compare.json``, ``run-state.json`` and ``report.{json,md,html}``.

``resume`` skips every stage whose outputs are complete and were made with the same inputs
(``run-state.json`` records each stage's inputs; the load is complete only when the
database's own ledger says so); once a stage runs, every later stage runs too. The index
build is idempotent, so it is redone whenever the post baseline is.

After the verdict the schema keeps the data (reloading is the expensive part, and the next
index candidate needs the same data) and, by default, the new indexes are rolled back with
the file's ``.rollback.sql`` sibling: the schema is back at the app's phase-1 state, so the
next ``run --resume --indexes other.sql`` measures a true "before". ``keep`` leaves the
indexes for inspection with psql; ``teardown`` drops everything synthgen created.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from synthgen.errors import InputError, SynthgenError
from synthgen.pipeline_options import (
    FINISH,
    OUR_FILES,
    SEED_HINT,
    STAGES,
    STATE_FILE,
    Events,
    RunOptions,
    RunResult,
    default_seed,
)
from synthgen.pipeline_options import read_json as _read_json
from synthgen.pipeline_options import sha256_short as _sha256
from synthgen.pipeline_options import write_json as _write_json

__all__ = ["STAGES", "Events", "Run", "RunOptions", "RunResult", "default_seed", "run"]


class Run:
    """One run: the options, the outputs so far, and which stages ran."""

    def __init__(self, opts: RunOptions, events: Events) -> None:
        if opts.finish not in FINISH:
            raise InputError(f"finish must be one of {', '.join(FINISH)}, got {opts.finish!r}")
        for name, value in (("--workers", opts.workers), ("--jobs", opts.jobs),
                            ("--runs", opts.runs)):
            if value < 1:
                raise InputError(f"{name} must be >= 1, got {value}")
        if not opts.indexes.is_file():  # found out now, not after generating and loading
            raise InputError(f"index file not found: {opts.indexes} (run from the repository "
                             "root, or pass --indexes)")
        from synthgen.fidelity.tolerance import parse_tolerance

        parse_tolerance(opts.tolerance)  # bad input is exit 2 before any work
        self.o, self.ev = opts, events
        self.out = opts.out or Path("out") / Path(opts.band).stem
        self.seed = opts.seed or ""
        self.stages: list[dict[str, Any]] = []
        self.state: dict[str, Any] = {}
        self.ran_any = False  # once a stage runs, later stages cannot be skipped
        self.data: dict[str, Any] = {}
        self.dsn: str | None = None
        self.error: str | None = None

    # -- bookkeeping ----------------------------------------------------------------------

    def _stage(self, name: str, fn: Callable[[], tuple[str, str]]) -> None:
        self.ev.stage_start(name)
        t0 = time.perf_counter()
        try:
            status, note = fn()
        except BaseException as e:
            self.stages.append({"name": name, "status": "failed",
                                "seconds": round(time.perf_counter() - t0, 3), "note": str(e)})
            self.ev.stage_end(self.stages[-1])
            raise
        stage = {"name": name, "status": status, "seconds": round(time.perf_counter() - t0, 3),
                 "note": note}
        self.stages.append(stage)
        if status == "done" and name != "spec check":  # spec check writes nothing
            self.ran_any = True
        self.ev.stage_end(stage)

    def _done(self, name: str, key: dict[str, Any], seconds: float | None = None) -> None:
        self.state.setdefault("stages", {})[name] = {
            "key": key, "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **({"seconds": seconds} if seconds is not None else {})}
        self.state.update({"format": "synthgen-run-state/1", "seed": self.seed,
                           "band": self.o.band})
        _write_json(self.out / STATE_FILE, self.state)

    def _reusable(self, name: str, key: dict[str, Any], *files: str) -> bool:
        """True when resuming, nothing before ran, and this stage finished with these inputs."""
        if not self.o.resume or self.ran_any:
            return False
        prev = self.state.get("stages", {}).get(name)
        return (prev is not None and prev.get("key") == key
                and all((self.out / f).is_file() for f in files))

    # -- stages -----------------------------------------------------------------------------

    def spec_check(self) -> tuple[str, str]:
        from synthgen.dataset import is_complete, read_manifest
        from synthgen.generate import resolve
        from synthgen.generate.feasibility import check_plan, disk_warning, estimate_bytes
        from synthgen.generate.plan import cached_plan
        from synthgen.spec import spec_hash

        band, spec = resolve(self.o.band, self.o.spec)
        if is_complete(self.out):
            m = read_manifest(self.out)
            if self.o.resume:
                if self.o.seed and self.o.seed != m.seed:
                    raise InputError(f"{self.out} holds seed {m.seed!r}, not {self.o.seed!r}: "
                                     "drop --resume, or --seed, or choose another --out")
                if m.band != band.name or m.spec_hash != spec_hash(spec):
                    raise InputError(f"{self.out} was generated for band {m.band!r} with spec "
                                     f"{m.spec_hash}; this run asks for band {band.name!r} with "
                                     f"spec {spec_hash(spec)}: drop --resume or choose another --out")
                self.seed = m.seed
                self.state = _read_json(self.out / STATE_FILE) or {}
            elif not self.o.force:
                raise InputError(f"{self.out} already holds a complete dataset (seed {m.seed!r}); "
                                 "use --resume to reuse it, --force to replace it, or another --out")
        hint = self.out / SEED_HINT
        if not self.seed and self.o.resume and hint.is_file():
            self.seed = hint.read_text().strip()
            self.ev.note(f"seed: {self.seed}  (of the interrupted generation)")
        if not self.seed:
            self.seed = default_seed(self.o.band)
            self.ev.note(f"seed: {self.seed}  (generated; pass --seed to choose it)")
        try:
            plan = cached_plan(self.seed, band, spec)
        except ValueError as e:
            raise InputError(f"band {band.name} cannot be generated with this spec: {e}") from None
        report = check_plan(plan)
        sizes = estimate_bytes(plan)
        report["estimates"] = sizes
        report["disk_warning"] = disk_warning(self.out, sum(v["parquet"] for v in sizes.values()))
        self.data["spec_check"] = report
        bad = [t["metric"] for t in report["targets"] if not t["feasible"]]
        note = (f"{len(bad)} target(s) infeasible for band {band.name}, judged against the "
                f"achievable value in gate 1: {', '.join(bad)}" if bad else "all targets feasible")
        if report["disk_warning"]:
            note += f"; warning: {report['disk_warning']}"
        return "done", note

    def generate(self) -> tuple[str, str]:
        from synthgen.dataset import is_complete
        from synthgen.generate import generate_dataset

        if self.o.resume and is_complete(self.out):
            self.data["generation"] = _read_json(self.out / "generation.json")
            _write_json(self.out / "spec-check.json", self.data["spec_check"])
            return "skipped", f"complete dataset in {self.out} (seed {self.seed})"
        if self.out.is_dir():  # our own files would make the generator refuse the directory
            for name in OUR_FILES:
                (self.out / name).unlink(missing_ok=True)
        self.state = {}
        if self.out.exists() and not self.out.is_dir():
            raise InputError(f"--out {self.out} exists and is not a directory")
        self.out.mkdir(parents=True, exist_ok=True)
        # a dot file survives the generator's clean-up: --resume after an interrupted
        # generation regenerates the same seed even when the seed was not given
        (self.out / SEED_HINT).write_text(self.seed + "\n")
        report = generate_dataset(self.out, self.o.band, self.seed, spec_path=self.o.spec,
                                  workers=self.o.workers, force=self.o.force,
                                  progress=self.o.progress)
        self.data["generation"] = report
        (self.out / SEED_HINT).unlink(missing_ok=True)  # seed.txt holds it now
        _write_json(self.out / "spec-check.json", self.data["spec_check"])
        self._done("generate", {"seed": self.seed}, report["timings_s"]["wall"])
        return "done", (f"{report['total_rows']:,} rows, {report['bytes'] / 1e6:,.0f} MB "
                        f"({report['rows_per_s']:,} rows/s)")

    def validate(self) -> tuple[str, str]:
        from synthgen.fidelity import FIDELITY_FILE, validate_dataset

        key = {"tolerance": self.o.tolerance, "spec": self.o.spec and str(self.o.spec)}
        if self._reusable("validate", key, FIDELITY_FILE):
            doc = _read_json(self.out / FIDELITY_FILE)
            status = "skipped"
        else:
            doc = validate_dataset(self.out, tolerance=self.o.tolerance)
            self._done("validate", key)
            status = "done"
        assert doc is not None
        self.data["fidelity"] = doc
        s = doc["summary"]
        note = (f"{doc['decision']}: {s['checks']} checks, {s['warning']} warning(s), "
                f"{s['critical']} critical, {s['failed']} failed")
        return status, note + ("" if doc["decision"] == "GO" else f" ({'; '.join(doc['reasons'])})")

    def _target(self) -> str:
        if self.dsn is None:
            from synthgen.pg.server import ensure_server

            self.dsn = self.o.dsn or ensure_server()
        return self.dsn

    def _target_key(self) -> dict[str, Any]:
        from synthgen.pg.sql import redact_dsn

        return {"dsn": redact_dsn(self._target()), "schema": self.o.schema, "seed": self.seed}


    def load(self) -> tuple[str, str]:
        from synthgen.dataset import read_manifest
        from synthgen.load import load_dataset
        from synthgen.pipeline_db import ledger_complete

        key = self._target_key()
        dsn = self._target()
        if (self._reusable("load", key, "load.json")
                and ledger_complete(dsn, self.o.schema, read_manifest(self.out))):
            self.data["load"] = _read_json(self.out / "load.json")
            return "skipped", f"schema {self.o.schema} already holds this dataset (ledger complete)"
        report = load_dataset(self.out, dsn, self.o.schema, resume=self.o.resume,
                              jobs=self.o.jobs, force=self.o.force, progress=self.o.progress)
        self.data["load"] = report
        _write_json(self.out / "load.json", report)
        self._done("load", key, report["total_seconds"])
        rows = sum(t["rows_total"] for t in report["tables"].values())
        return "done", (f"{rows:,} rows into {report['dsn']} schema {self.o.schema} (data "
                        f"{report['data_seconds']:.1f} s, keys+indexes "
                        f"{report['post_load_seconds']:.1f} s, analyze {report['analyze_seconds']:.1f} s)")

    def baseline_pre(self) -> tuple[str, str]:
        from synthgen.pipeline_db import indexes_present, rollback_file
        from synthgen.verify import baseline, load_baseline, rollback_indexes, save_baseline

        key = {**self._target_key(), "runs": self.o.runs}
        path = self.out / "baseline-pre.json"
        if self._reusable("baseline pre", key, path.name):
            self.data["pre"] = load_baseline(path)
            return "skipped", f"{path.name} exists"
        dsn = self._target()
        present = indexes_present(dsn, self.o.schema, self.o.indexes)
        if present:  # a "before" measured with the new indexes on would prove nothing
            back = rollback_file(self.o.indexes)
            if not back.is_file():
                raise InputError(f"schema {self.o.schema} already has {', '.join(present)} from "
                                 f"{self.o.indexes} and there is no {back} to remove them: the "
                                 "pre baseline would not be a true 'before'")
            self.ev.note(f"rolling back {', '.join(present)} (left by an earlier run) first")
            rollback_indexes(dsn, self.o.schema, back)
        doc = baseline(dsn, self.o.schema, "pre", runs=self.o.runs, progress=self.ev.note)
        save_baseline(doc, path)
        self.data["pre"] = doc
        self._done("baseline pre", key)
        return "done", f"{len(doc['results'])} cases × {self.o.runs} runs"

    def _post_key(self) -> dict[str, Any]:
        return {**self._target_key(), "runs": self.o.runs, "indexes": str(self.o.indexes),
                "indexes_sha256": _sha256(self.o.indexes)}

    def apply(self) -> tuple[str, str]:
        from synthgen.verify import apply_indexes

        if self._reusable("baseline post", self._post_key(), "baseline-post.json"):
            self.data["applied"] = _read_json(self.out / "indexes-apply.json")
            return "skipped", "post baseline complete"
        result = apply_indexes(self._target(), self.o.schema, self.o.indexes,
                               progress=self.ev.note)
        self.data["applied"] = result
        _write_json(self.out / "indexes-apply.json", result)
        made = [s for s in result["statements"] if s["action"] == "create"]
        size = sum(s["size_bytes"] or 0 for s in made)
        return "done", (f"{len(made)} index(es) from {self.o.indexes} "
                        f"({', '.join(sorted({s['status'] for s in made}))}), {size / 2**20:,.1f} MiB")

    def baseline_post(self) -> tuple[str, str]:
        from synthgen.verify import baseline, load_baseline, save_baseline

        key = self._post_key()
        path = self.out / "baseline-post.json"
        if self._reusable("baseline post", key, path.name):
            self.data["post"] = load_baseline(path)
            return "skipped", f"{path.name} exists"
        pre = self.data["pre"]
        doc = baseline(self._target(), self.o.schema, "post", runs=self.o.runs,
                       param_sets=pre["param_sets"], progress=self.ev.note)
        save_baseline(doc, path)
        self.data["post"] = doc
        self._done("baseline post", key)
        return "done", f"{len(doc['results'])} cases × {self.o.runs} runs, same parameters as pre"

    def compare(self) -> tuple[str, str]:
        from synthgen.verify import compare

        report = compare(self.data["pre"], self.data["post"])
        self.data["compare"] = report
        _write_json(self.out / "compare.json", report)
        c = report["counts"]
        fails = [r for r in report["reasons"] if r.startswith("FAIL")]
        return "done", (f"{report['decision']}: {c['improved']} improved, {c['degraded']} "
                        f"degraded, {c['unchanged']} unchanged"
                        + (f" ({'; '.join(fails)})" if fails else ""))

    def finish(self) -> tuple[str, str]:
        from synthgen.pipeline_db import finish

        result = finish(self._target(), self.o.schema, self.o.indexes, self.o.finish)
        self.data["finish"] = result
        return "done", result["note"]

    # -- the report -------------------------------------------------------------------------

    def options_json(self) -> dict[str, Any]:
        from synthgen.pg.sql import redact_dsn

        opts = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self.o).items()}
        opts["dsn"] = redact_dsn(self.o.dsn) if self.o.dsn else None
        opts["out"] = str(self.out)
        return opts

    def write_report(self, with_plots: bool) -> dict[str, Path]:
        from synthgen.dataset import is_complete
        from synthgen.pg.sql import redact_dsn
        from synthgen.report import model

        if not is_complete(self.out):
            return {}
        dists = None
        if with_plots:
            from synthgen.report.distributions import collect

            dists = collect(self.out)
        d = self.data
        target = ({"dsn": redact_dsn(self.dsn), "schema": self.o.schema,
                   "embedded": self.o.dsn is None} if self.dsn else None)
        doc = model.build(dataset=self.out, seed=self.seed, band=self.o.band,
                          options=self.options_json(), stages=list(self.stages),
                          spec_check=d.get("spec_check"), generation=d.get("generation"),
                          fidelity=d.get("fidelity"), load=d.get("load"), pre=d.get("pre"),
                          post=d.get("post"), compare=d.get("compare"), applied=d.get("applied"),
                          finish=d.get("finish"), distributions=dists, error=self.error,
                          target=target)
        self.data["report"] = doc
        return model.write(doc, self.out)


def run(opts: RunOptions, events: Events | None = None) -> RunResult:
    """Run the pipeline; NO-GO is a result (exit 1), errors raise after writing the report."""
    r = Run(opts, events or Events())
    steps: list[tuple[str, Callable[[], tuple[str, str]]]] = [
        ("spec check", r.spec_check), ("generate", r.generate), ("validate", r.validate),
        ("load", r.load), ("baseline pre", r.baseline_pre), ("apply indexes", r.apply),
        ("baseline post", r.baseline_post), ("compare", r.compare), ("finish", r.finish)]
    try:
        for name, fn in steps:
            r._stage(name, fn)
            if name == "validate" and r.data["fidelity"]["decision"] != "GO":
                break
    except SynthgenError as e:
        r.error = f"{r.stages[-1]['name'] if r.stages else 'run'}: {e}"
        _mark_not_run(r, steps)
        try:
            r.write_report(with_plots=False)
        except Exception:  # the original error matters more than the report
            pass
        raise
    _mark_not_run(r, steps)
    paths: dict[str, Path] = {}

    def report() -> tuple[str, str]:
        paths.update(r.write_report(with_plots=True))
        return "done", str(paths.get("report.html", ""))

    r._stage("report", report)
    doc = r.data["report"]
    doc["stages"] = r.stages  # include the report stage itself
    paths.update(_rewrite_json(doc, r.out))
    return RunResult(doc, paths)


def _mark_not_run(r: Run, steps: list[tuple[str, Callable[[], tuple[str, str]]]]) -> None:
    seen = {s["name"] for s in r.stages}
    for name, _fn in steps:
        if name not in seen:
            r.stages.append({"name": name, "status": "not-run", "seconds": 0.0, "note": ""})


def _rewrite_json(doc: dict[str, Any], root: Path) -> dict[str, Path]:
    from synthgen.report.model import REPORT_JSON

    _write_json(root / REPORT_JSON, doc)
    return {REPORT_JSON: root / REPORT_JSON}
