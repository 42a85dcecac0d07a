"""Load, validate and hash the distribution spec; derive its JSON Schema from the dataclasses.

Validation happens once, at load, and names the JSON path and the value:
``spec error at content.length.sigma: must be > 0, got -1.2``.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import operator
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synthgen.errors import SpecError
from synthgen.spec_model import Spec

DEFAULT_SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "distribution-spec.json"

_BOUNDS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "ge": (">=", operator.ge), "gt": (">", operator.gt), "le": ("<=", operator.le),
    "lt": ("<", operator.lt)}


def _join(path: str, key: str) -> str:
    if not key:
        return path
    if key.startswith("["):
        return f"{path}{key}"
    return f"{path}.{key}" if path else key


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path)  # type: ignore[arg-type]
    if origin is list:
        (item,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise SpecError(f"spec error at {path}: expected a list, got {json.dumps(value)}")
        return [_convert(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if tp is bool:
        if not isinstance(value, bool):
            raise SpecError(f"spec error at {path}: expected true or false, got {json.dumps(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"spec error at {path}: expected an integer, got {json.dumps(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"spec error at {path}: expected a number, got {json.dumps(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise SpecError(f"spec error at {path}: expected a string, got {json.dumps(value)}")
        return value
    raise TypeError(f"unsupported spec type {tp!r} at {path}")  # a bug in spec_model, not input


def _build(cls: type, obj: Any, path: str) -> Any:
    if not isinstance(obj, dict):
        raise SpecError(f"spec error at {path or '(root)'}: expected an object, "
                        f"got {json.dumps(obj)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in obj:
        if key.startswith("$") or key == "comment":
            continue
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise SpecError(f"spec error at {_join(path, key)}: unknown key{hint}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        fpath = _join(path, name)
        if name not in obj:
            continue
        value = _convert(hints[name], obj[name], fpath)
        for bound, (sym, ok) in _BOUNDS.items():
            if bound in f.metadata and isinstance(value, int | float) and not ok(
                    value, f.metadata[bound]):
                raise SpecError(f"spec error at {fpath}: must be {sym} {f.metadata[bound]}, "
                                f"got {obj[name]}")
        kwargs[name] = value
    built = cls(**kwargs)
    checks = getattr(built, "checks", None)
    if checks is not None:
        for sub_path, message in checks():
            raise SpecError(f"spec error at {_join(path, sub_path) or '(root)'}: {message}")
    return built


def spec_from_dict(obj: Any) -> Spec:
    """Build and validate a Spec from parsed JSON; missing keys take the defaults."""
    spec: Spec = _build(Spec, obj, "")
    return spec


def load_spec(path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> Spec:
    """Load a spec file (the shipped default when None), apply dotted-path overrides, validate."""
    p = Path(path) if path is not None else DEFAULT_SPEC_PATH
    try:
        obj = json.loads(p.read_text())
    except FileNotFoundError:
        raise SpecError(f"spec file not found: {p}") from None
    except json.JSONDecodeError as e:
        raise SpecError(f"spec file {p} is not valid JSON: line {e.lineno} column {e.colno}: "
                        f"{e.msg}") from None
    if overrides:
        obj = apply_overrides(obj, overrides)
    return spec_from_dict(obj)


def apply_overrides(obj: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a spec dict with ``{"a.b.c": value}`` overrides set."""
    out: dict[str, Any] = json.loads(json.dumps(obj))
    for dotted, value in overrides.items():
        node = out
        keys = dotted.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise SpecError(f"spec override {dotted}: {k} is not a section")
        node[keys[-1]] = value
    return out


def spec_to_dict(spec: Spec) -> dict[str, Any]:
    """The spec as plain JSON data (every parameter, defaults included)."""
    return dataclasses.asdict(spec)


def spec_hash(spec: Spec) -> str:
    """sha256 of the canonical JSON of the fully resolved spec, minus ``workload``.

    The workload mix weighs gate 2 and the replay; it does not shape the data, so changing it
    must not make a generated or loaded dataset look like a different one.
    """
    data = spec_to_dict(spec)
    data.pop("workload", None)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _schema_for(tp: Any, meta: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if meta.get("doc"):
        out["description"] = meta["doc"] + (f" [{meta['unit']}]" if meta.get("unit") else "")
    if dataclasses.is_dataclass(tp):
        out.update(json_schema_of(tp))  # type: ignore[arg-type]
        return out
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp)
        out.update({"type": "array", "items": _schema_for(item, {})})
        return out
    out["type"] = {bool: "boolean", int: "integer", float: "number", str: "string"}[tp]
    for bound, key in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"),
                       ("lt", "exclusiveMaximum")):
        if bound in meta:
            out[key] = meta[bound]
    return out


def json_schema_of(cls: type) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one spec section."""
    hints = _hints(cls)
    props = {f.name: _schema_for(hints[f.name], f.metadata) for f in dataclasses.fields(cls)}
    doc = (cls.__doc__ or "").strip().splitlines()[0]
    return {"type": "object", "description": doc, "properties": props,
            "additionalProperties": False}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the whole spec, as shipped in spec/distribution-spec.schema.json."""
    schema = json_schema_of(Spec)
    schema["properties"]["$schema"] = {"type": "string"}
    schema["properties"]["comment"] = {"type": "string"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://synthgen.invalid/distribution-spec.schema.json",
            "title": "synthgen distribution spec", **schema}
