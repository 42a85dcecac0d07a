"""Plot data for the report: what the fidelity gate measured beside what the spec predicts.

The achieved side is the ``distributions`` section of the dataset's ``fidelity.json``
(measured by the gate over exactly the manifest's files; format in
``synthgen.fidelity.report``); the spec side is computed by ``synthgen.predict`` from the
dataset's own resolved spec (``spec.json``), so a plot always compares the data with what it
was generated to look like. Nothing here reads the data itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthgen.dataset import FIDELITY, SPEC, read_json
from synthgen.predict import (
    ATTACHMENT_KINDS,
    attachment_type,
    latency_cdf,
    lognormal_clipped_shares,
    media_ratio,
    type_share,
)
from synthgen.spec_model import Spec


def _shares(counts: list[int], total: int) -> list[float]:
    """Each count over the total (an empty histogram gives zeros).

    >>> _shares([1, 3], 4), _shares([0, 0], 0)
    ([0.25, 0.75], [0.0, 0.0])
    """
    return [c / (total or 1) for c in counts]


def _conversation_sizes(m: dict[str, Any], spec: Spec) -> dict[str, Any]:
    mix = spec.conversations.size_mix
    return {"classes": m["classes"], "spec": [mix.direct, mix.small_group, mix.large_group],
            "achieved": _shares(m["counts"], m["conversations"])}


def _content_length(m: dict[str, Any], spec: Spec) -> dict[str, Any]:
    edges = tuple(m["edges"])
    return {"edges": list(edges), "achieved": _shares(m["counts"], m["n"]),
            "spec": lognormal_clipped_shares(spec.content.length, edges), "n": m["n"]}


def _read_latency(m: dict[str, Any] | None, spec: Spec) -> dict[str, Any] | None:
    if m is None:
        return None
    seconds = m["seconds"]
    return {"seconds": seconds, "achieved": _shares(m["within"], m["n"]),
            "spec": [latency_cdf(spec.reads.latency, x) for x in seconds], "n": m["n"]}


def _media_mix(d: dict[str, Any], spec: Spec) -> dict[str, Any]:
    types = d["message_types"]
    counts = dict(zip(types["types"], types["counts"], strict=True))
    total = sum(counts.values())
    out: dict[str, Any] = {
        "message_types": types["types"],
        "message_achieved": _shares(types["counts"], total),
        "media_ratio": {"spec": media_ratio(spec),
                        "achieved": 1 - counts.get("TEXT", 0) / (total or 1)}}
    att = d.get("attachment_types")
    if att is not None:
        predicted = {attachment_type(k): type_share(spec.media, k) for k in ATTACHMENT_KINDS}
        out["attachment_types"] = att["types"]
        out["attachment_achieved"] = _shares(att["counts"], sum(att["counts"]))
        out["attachment_spec"] = [predicted.get(t, 0.0) for t in att["types"]]
    return out


def plot_data(measured: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """Every plot's data from the gate's ``distributions`` section and the spec."""
    return {"conversation_sizes": _conversation_sizes(measured["conversation_sizes"], spec),
            "messages_per_conversation": measured["messages_per_conversation"],
            "content_length": _content_length(measured["content_length"], spec),
            "hour_of_week": measured["hour_of_week"],
            "read_latency": _read_latency(measured.get("read_latency"), spec),
            "media_mix": _media_mix(measured, spec)}


def collect(root: Path | str) -> dict[str, Any] | None:
    """Every plot's data for the dataset at ``root`` (None when its fidelity.json has none)."""
    from synthgen.spec import spec_from_dict

    root = Path(root)
    measured = read_json(root / FIDELITY).get("distributions")
    if not measured:
        return None
    return plot_data(measured, spec_from_dict(read_json(root / SPEC)))
