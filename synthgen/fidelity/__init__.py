"""The offline fidelity gate (DESIGN section 7): DuckDB over the Parquet files, GO / NO-GO.

``validate_dataset`` reads the whole dataset (never a sample), measures every shape metric
against the targets of the dataset's own spec and band, runs the integrity and PII checks,
applies the decision rule and writes ``fidelity.json`` beside the data (schema in
``synthgen.fidelity.report``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.dataset import FEASIBILITY, FIDELITY
from synthgen.fidelity.check import DISTRIBUTION, Check
from synthgen.fidelity.tolerance import (
    NOISE_SIGMAS,
    SEVERITIES,
    Tolerance,
    band_for,
    decide,
    deviation,
    parse_tolerance,
    severity,
)

if TYPE_CHECKING:
    from synthgen.bands import Band
    from synthgen.fidelity.progress import ProgressCallback
    from synthgen.fidelity.stage import Staged
    from synthgen.spec_model import Spec

__all__ = ["FIDELITY_FILE", "distribution_checks", "validate_dataset"]

FIDELITY_FILE = FIDELITY


def distribution_checks(targets: dict[str, Any], measured: dict[str, tuple[float, int]],
                        tolerance: Tolerance, spec: Spec, band: Band,
                        calendar_fano: float) -> list[Check]:
    """Judge each measured metric against its target (``targets``: metric -> Target).

    Each band is the metric's declared level times the tolerance scale, widened to
    NOISE_SIGMAS sampling standard deviations computed from the spec and band
    (``synthgen.fidelity.noise``; ``calendar_fano`` from spec check), never from the
    measured data.
    """
    from synthgen.fidelity.noise import allowance

    out = []
    for metric, t in targets.items():
        if metric not in measured:
            continue
        achieved, n = measured[metric]
        dev = deviation(t.value, achieved)
        rel, why = allowance(t, spec, band, NOISE_SIGMAS, calendar_fano)
        band_rel = band_for(t.level, tolerance.scale, rel)
        notes = [t.reason] if t.infeasible and t.reason else []
        if band_rel > band_for(t.level, tolerance.scale):
            notes.append(f"band widened to {NOISE_SIGMAS:g} sampling sd ({why})")
        elif t.exact:
            notes.append(why)
        votes = metric not in DERIVED
        if not votes:
            notes.append(f"a function of {DERIVED[metric]}: reported, does not vote")
        out.append(Check(name=metric, kind=DISTRIBUTION, target=t.value,
                         achieved=achieved if math.isfinite(achieved) else None,
                         severity=severity(dev, band_rel, votes=votes), deviation=dev,
                         band=band_rel, level=t.level, infeasible=t.infeasible,
                         source=t.source, spec_target=t.spec_value, n=n,
                         detail="; ".join(notes)))
    return out


DERIVED = {"burstiness.goh_barabasi": "burstiness.interarrival_cv",
           "reads.per_message": "reads.read_rate and the conversations' sizes",
           "distance.message_status_tv": "reads.read_rate and reads.delivery_rate"}
"""Metrics that are a function of others: reported, never voting (B = (cv - 1) / (cv + 1)
would otherwise count one deviation twice, magnified near cv = 1; the status mix moves with
the read and delivery rates, see ``synthgen.fidelity.status``)."""


def validate_dataset(root: Path | str, *, spec_path: Path | str | None = None,
                     tolerance: str | float = "normal",
                     targets_override: dict[str, float] | None = None,
                     out: Path | str | None = None,
                     progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Check a dataset and write its fidelity report; returns the report (``decision`` inside).

    ``root`` is a directory or a filesystem URL (``s3://bucket/prefix``; credentials from the
    environment, as pyarrow reads them): a URL's documents are read in place, its Parquet files
    copied once into a private temporary directory (``synthgen.fidelity.stage``), and the
    report goes beside the data at the URL unless ``out`` says otherwise.

    ``progress`` is called as each check group starts and once when all are done
    (``synthgen.fidelity.progress``: group, groups done / total, elapsed, row-weighted ETA).

    Raises DatasetError (exit 2) for a missing or incomplete dataset, SpecError for a bad
    spec, EnvironmentProblem (exit 3) for an unreachable URL; a NO-GO is a result, not an
    exception.
    """
    from synthgen.dataset import is_remote

    kwargs: dict[str, Any] = {"spec_path": spec_path, "tolerance": tolerance,
                              "targets_override": targets_override, "out": out,
                              "progress": progress}
    if is_remote(root):
        from synthgen.fidelity.stage import staged

        with staged(str(root)) as copy:
            return _validate(str(root), copy, **kwargs)
    return _validate(Path(root), None, **kwargs)


def _validate(root: Path | str, staged: Staged | None, *, spec_path: Path | str | None,
              tolerance: str | float, targets_override: dict[str, float] | None,
              out: Path | str | None, progress: ProgressCallback | None) -> dict[str, Any]:
    import duckdb

    from synthgen.dataset import shown, write_document
    from synthgen.errors import DatasetError, EnvironmentProblem
    from synthgen.fidelity import columns, distributions, integrity, pii
    from synthgen.fidelity.distances import (
        attachment_size_checks,
        attachment_type_check,
        attachments_per_message_check,
        content_length_check,
        hour_of_week_check,
        message_type_check,
        read_latency_check,
    )
    from synthgen.fidelity.files import file_checks
    from synthgen.fidelity.inputs import connect, load_inputs
    from synthgen.fidelity.plan_distances import reference_checks, references_for
    from synthgen.fidelity.prepare import prepare
    from synthgen.fidelity.progress import (
        DISTRIBUTIONS,
        FILES,
        INTEGRITY,
        PII,
        PREPARE,
        Tracker,
        group_weights,
    )
    from synthgen.fidelity.reads import HEAVY_READS, fan_out_checks
    from synthgen.fidelity.report import FORMAT, write_report
    from synthgen.fidelity.status import message_status_check
    from synthgen.fidelity.targets import (
        band_feasibility,
        parse_calendar_fano,
        parse_feasibility,
        resolve_targets,
    )

    started = time.perf_counter()
    tol = parse_tolerance(tolerance)
    inputs = load_inputs(root, spec_path, staged)
    where = shown(root)
    raw = (inputs.feasibility if inputs.feasibility is not None
           else band_feasibility(inputs.spec, inputs.band))
    feasibility = parse_feasibility(raw, f"{where}/{FEASIBILITY}")
    fano = parse_calendar_fano(raw, f"{where}/{FEASIBILITY}")
    refs, refs_origin = references_for(raw, inputs.spec, inputs.band, f"{where}/{FEASIBILITY}")
    targets = resolve_targets(inputs.spec, inputs.band.conversations, feasibility,
                              targets_override)
    track = Tracker(group_weights(inputs.manifest), progress)
    track.start(FILES)
    file_results, usable = file_checks(inputs)
    try:
        con = connect(inputs, usable)
        try:
            track.start(PREPARE)
            prepared = prepare(con)
            track.start(INTEGRITY)
            integrity_results, passes = integrity.run_integrity(
                con, prepared, distributions.pass_aggregates(inputs.spec))
            plots: dict[str, Any] = {}
            track.start(DISTRIBUTIONS)
            measured = distributions.measure(con, inputs, prepared, passes, plots)
            checks = distribution_checks(targets, measured, tol, inputs.spec, inputs.band, fano)
            if "hour_of_week" in plots:
                checks.append(hour_of_week_check(plots["hour_of_week"]["counts"], inputs.spec,
                                                 inputs.band, tol.scale, fano))
            if prepared:
                checks.append(message_type_check(con, inputs.spec, inputs.band, tol.scale))
                checks.append(content_length_check(con, inputs.spec, inputs.band,
                                                     tol.scale))
            if plots.get("read_latency"):
                checks.append(read_latency_check(plots["read_latency"], inputs.spec,
                                                 inputs.band, tol.scale))
            if "attachment_types" in plots:
                checks.append(attachment_type_check(plots["attachment_types"], inputs.spec,
                                                    inputs.band, tol.scale))
            if "attachment_sizes" in plots:  # the KS grid: judged here, not kept as a plot
                checks += attachment_size_checks(plots.pop("attachment_sizes"), inputs.spec,
                                                 inputs.band, tol.scale)
            if "attachment_types" in plots and prepared:
                checks.append(attachments_per_message_check(con, inputs.spec, inputs.band,
                                                            tol.scale))
            if prepared:  # the reference CDFs stay in feasibility.json, never in the plots
                checks += reference_checks(con, refs, refs_origin, inputs.spec, tol.scale)
                checks.append(message_status_check(con, inputs.spec, inputs.band, tol.scale,
                                                   refs["recipients"]))
            if prepared:  # reads per message, heavy-room coverage (synthgen.fidelity.reads)
                checks += fan_out_checks(con, inputs, tol, targets_override,
                                         passes.get("message_reads", {}).get(HEAVY_READS))
                checks += columns.column_share_checks(con, inputs, tol, passes.get("messages"),
                                                      targets_override)
                integrity_results.append(columns.window_check(con, inputs.band))
                integrity_results += columns.conversation_rules(con, inputs.spec, inputs.band)
            checks += file_results
            track.start(PII)
            checks += integrity_results + pii.run_pii(con, usable)
            track.finish()
        finally:
            con.close()
    except duckdb.Error as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if isinstance(e, duckdb.OutOfMemoryException):
            raise EnvironmentProblem(f"validating {where} ran out of memory: {first}") from None
        raise DatasetError(f"{where}: cannot read the dataset: {first}") from None
    decision = decide((c.name, c.kind, c.severity) for c in checks)
    measured_names = {c.name for c in checks if c.kind == DISTRIBUTION}
    doc: dict[str, Any] = {
        "format": FORMAT, "decision": decision.label, "reasons": list(decision.reasons),
        "dataset": where, "seed": inputs.manifest.seed, "band": inputs.manifest.band,
        "spec_hash": inputs.manifest.spec_hash,
        "tolerance": {"name": tol.name, "scale": tol.scale},
        "summary": {"checks": len(checks),
                    **{s: sum(1 for c in checks if c.severity == s) for s in SEVERITIES}},
        "skipped": [m for m in targets if m not in measured_names],
        "elapsed_s": round(time.perf_counter() - started, 3),
        "checks": [c.to_json() for c in checks],
        "distributions": plots or None,
    }
    if out is None and isinstance(root, str):  # a URL: the report goes beside the data there
        write_document(root, FIDELITY_FILE, doc)
    else:
        write_report(doc, Path(out) if out is not None else Path(root) / FIDELITY_FILE)
    return doc
