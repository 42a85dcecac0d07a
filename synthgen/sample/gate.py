"""The export gate: a strict JSON Schema plus a scan for anything that could be personal data.

Both run before the file is written. A problem is reported by its JSON path and the rule it
broke, never by the value (the value may be the personal data we are refusing to export);
a key that is not a known key is shown as ``<unknown key>`` for the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from synthgen.errors import GateFailed
from synthgen.names import person_names
from synthgen.sample import UNIT
from synthgen.sample.measures import MEASURES
from synthgen.sample.queries import Cat, Hist, Measure, Quant

_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_INT_OR_NULL = {"type": ["integer", "null"], "minimum": 0}


def _fixed(n: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": n, "maxItems": n}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props),
            "additionalProperties": False}


def _measure_schema(m: Measure) -> dict[str, Any]:
    if isinstance(m, Hist | Cat):
        axis = list(m.edges) if isinstance(m, Hist) else list(m.labels)
        n = len(axis)
        return _obj({("edges" if isinstance(m, Hist) else "labels"): {"const": axis},
                     "counts": _fixed(n, _INT_OR_NULL),
                     "shares": _fixed(n, {"type": ["number", "null"], "minimum": 0, "maximum": 1}),
                     "total": _INT_OR_NULL, "suppressed": {"type": "integer", "minimum": 0}})
    if isinstance(m, Quant):
        return _obj({"probs": {"const": list(m.probs)},
                     "values": _fixed(len(m.probs), _NUM_OR_NULL), "mean": _NUM_OR_NULL})
    return _NUM_OR_NULL


@cache
def export_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the export: every key known, every leaf a number/label."""
    measures = {m.name: _measure_schema(m) for m in MEASURES}
    measures["time.weekday_to_weekend"] = _NUM_OR_NULL
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            **_obj({"format": {"const": "synthgen.shape-metrics"}, "format_version": {"const": 1},
                    "window_days": {"type": "integer", "minimum": 1},
                    "k": {"type": "integer", "minimum": 2},
                    "epsilon": {"type": ["number", "null"], "exclusiveMinimum": 0},
                    "epsilon_spent": _NUM_OR_NULL,
                    "unit_of_privacy": {"enum": [UNIT, None]},
                    "heavy_room_min_messages": {"type": "integer"},
                    "metrics": _obj(measures)})}


def _known_keys(node: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out |= set(value)
            out |= _known_keys(value)
    elif isinstance(node, list):
        for v in node:
            out |= _known_keys(v)
    return out


@cache
def known_keys() -> frozenset[str]:
    return frozenset(_known_keys(export_schema()))


def render_path(parts: list[str | int]) -> str:
    """A JSON path that shows only known keys and indices: ``$.metrics["a.b"].counts[3]``."""
    out = "$"
    keys = known_keys()
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p not in keys:
            out += ".<unknown key>"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p):
            out += f".{p}"
        else:
            out += f'["{p}"]'
    return out


# ---- PII scan -------------------------------------------------------------------------------

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email address", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")),
    ("URL", re.compile(r"(?i)\b(?:https?|ftp)://|\bwww\.|\b[a-z0-9-]+\.(?:com|net|org|io|co|"
                       r"info|biz|app|dev|me|us|uk|de|fr)\b")),
    ("phone number", re.compile(r"\+?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{2,4}\)?){2,5}")),
    ("cuid-shaped id", re.compile(r"\bc[a-z0-9]{20,32}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                  r"[0-9a-f]{4}-[0-9a-f]{12}\b|\b(?=[a-z]*\d)(?=\d*[a-z])"
                                  r"[a-z0-9]{16,}\b", re.IGNORECASE)),
    ("street address", re.compile(r"(?i)\b\d+\s+[A-Za-z]+\s+(?:street|st|avenue|ave|road|rd|"
                                  r"lane|ln|boulevard|blvd|drive|dr)\b")),
)
_WORD = re.compile(r"[A-Za-z]+")


def _label_words() -> frozenset[str]:
    # Our own fixed labels and keys are never names, even if a list happens to contain one.
    words: set[str] = set()
    for k in known_keys():
        words |= {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", k)}
    words |= {w.lower() for w in UNIT.split()}
    for m in MEASURES:
        if isinstance(m, Cat):
            words |= {w.lower() for label in m.labels for w in label.split("_")}
    return frozenset(words)


def _walk(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], Any, bool]]:
    """(path, value, is_key) for every key and leaf."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield [*path, key], key, True
            yield from _walk(value, [*path, key])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, [*path, i])
    else:
        yield path, node, False


def scan(doc: Any) -> list[str]:
    """Every string (key or value) that looks like personal data, by path and kind."""
    problems: list[str] = []
    names, ours = person_names(), _label_words()
    for path, value, is_key in _walk(doc, []):
        if isinstance(value, int | float) and not isinstance(value, bool):
            digits = str(abs(int(value))) if float(value).is_integer() else ""
            if len(digits) >= 10 and not digits.endswith("0000"):
                problems.append(f"{render_path(path)}: a number shaped like a phone number")
            continue
        if not isinstance(value, str):
            continue
        where = render_path(path) + (" (a key)" if is_key else "")
        for kind, pattern in _PATTERNS:
            if pattern.search(value):
                problems.append(f"{where}: looks like a {kind}")
        if not (is_key and value in known_keys()):
            hits = {w.lower() for w in _WORD.findall(value)} - ours
            if hits & names:
                problems.append(f"{where}: contains a person name")
    return problems


def validate(doc: Any) -> list[str]:
    """Strict schema violations, by path and rule (never the offending value)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(export_schema())
    out = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for key in err.instance:
                if key not in allowed:
                    out.append(f"{render_path([*path, key])}: not a key of the export schema")
            continue
        out.append(f"{render_path(path)}: breaks the export schema ({err.validator})")
    return out


def check_export(doc: Any) -> None:
    """Refuse (GateFailed, exit 1) unless the document is schema-valid and PII-free."""
    problems = scan(doc) + validate(doc)
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                            if len(problems) > 10 else "")
        raise GateFailed(f"export refused by the gate ({len(problems)} problem(s)): {shown}")
