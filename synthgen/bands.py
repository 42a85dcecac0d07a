"""Scale bands: exact row counts, the time window and the partition size, from TOML files.

``--band dev`` names a file in the shipped ``bands/`` folder; anything with a slash or a
``.toml`` suffix is read as a path to the user's own band file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from synthgen.errors import DatasetError, InputError

BANDS_DIR = Path(__file__).resolve().parent.parent / "bands"


@dataclass(frozen=True, slots=True)
class Band:
    """One scale band."""

    name: str
    """Band name, recorded in every report."""
    users: int
    """Exact number of users."""
    conversations: int
    """Exact number of conversations."""
    messages: int
    """Exact number of messages."""
    window_days: int
    """Length of the time window the messages fall in."""
    window_end: dt.datetime
    """End of the window (UTC, naive); fixed in the band so data does not depend on today."""
    partition_messages: int = 250_000
    """Target messages per partition: the unit of generation, memory and loading."""
    users_per_partition: int = 100_000
    """Users per users-table partition."""
    spec_overrides: dict[str, Any] = field(default_factory=dict)
    """Dotted spec paths this band overrides (e.g. a smaller heavy-room floor for tiny bands)."""

    @property
    def window_start(self) -> dt.datetime:
        """Start of the window (UTC, naive): ``window_end`` minus ``window_days``."""
        return self.window_end - dt.timedelta(days=self.window_days)

    def to_json(self) -> dict[str, Any]:
        """The band as written to a dataset's ``band.json`` (ISO times, window_start added
        for readers that do not recompute it)."""
        return {**asdict(self), "window_end": self.window_end.isoformat(),
                "window_start": self.window_start.isoformat()}

    @classmethod
    def from_json(cls, raw: Any, where: str = "band.json") -> Band:
        """Read back what ``to_json`` wrote; DatasetError naming the file and the key."""
        if not isinstance(raw, dict):
            raise DatasetError(f"{where} is malformed: not a JSON object")
        # window_start is derived from window_end and window_days, never an input
        fields = {k: v for k, v in raw.items() if k != "window_start"}
        try:
            return band_from_dict(fields, where)
        except InputError as e:
            raise DatasetError(str(e)) from None


_REQUIRED: dict[str, Any] = {"name": str, "users": int, "conversations": int, "messages": int,
             "window_days": int, "window_end": (str, dt.datetime, dt.date)}
_OPTIONAL: dict[str, Any] = {"partition_messages": int, "users_per_partition": int, "spec_overrides": dict,
             "description": str}


def available_bands() -> list[str]:
    """Names of the shipped bands."""
    return sorted(p.stem for p in BANDS_DIR.glob("*.toml"))


def band_path(name_or_path: str) -> Path:
    """Resolve ``--band`` to a file."""
    if "/" in name_or_path or name_or_path.endswith(".toml"):
        return Path(name_or_path)
    path = BANDS_DIR / f"{name_or_path}.toml"
    if not path.exists():
        close = difflib.get_close_matches(name_or_path, available_bands(), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(f"unknown band '{name_or_path}' (shipped: "
                         f"{', '.join(available_bands())}){hint}")
    return path


def load_band(name_or_path: str) -> Band:
    """Load and validate a band file."""
    path = band_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"band file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"band file {path} is not valid TOML: {e}") from None
    return band_from_dict(raw, str(path))


def band_from_dict(raw: dict[str, Any], where: str = "band") -> Band:
    """Validate a parsed band; errors name the file and the key."""
    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL:
            close = difflib.get_close_matches(key, [*_REQUIRED, *_OPTIONAL], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError(f"band error in {where} at {key}: unknown key{hint}")
    for key in _REQUIRED:
        if key not in raw:
            raise InputError(f"band error in {where}: missing required key '{key}'")
    for key, tp in {**_REQUIRED, **_OPTIONAL}.items():
        if key in raw and (not isinstance(raw[key], tp) or isinstance(raw[key], bool)):
            raise InputError(f"band error in {where} at {key}: wrong type, got {raw[key]!r}")
    for key in ("users", "conversations", "messages", "window_days", "partition_messages",
                "users_per_partition"):
        if key in raw and raw[key] < 1:
            raise InputError(f"band error in {where} at {key}: must be >= 1, got {raw[key]}")
    if raw["users"] < 2:
        raise InputError(f"band error in {where} at users: need at least 2 users, "
                         f"got {raw['users']}")
    end = raw["window_end"]
    if isinstance(end, str):
        try:
            end = dt.datetime.fromisoformat(end)
        except ValueError:
            raise InputError(f"band error in {where} at window_end: not an ISO date/time, "
                             f"got {end!r}") from None
    elif isinstance(end, dt.date) and not isinstance(end, dt.datetime):
        end = dt.datetime(end.year, end.month, end.day)
    if end.tzinfo is not None:
        end = end.astimezone(dt.UTC).replace(tzinfo=None)
    return Band(name=raw["name"], users=raw["users"], conversations=raw["conversations"],
                messages=raw["messages"], window_days=raw["window_days"], window_end=end,
                partition_messages=raw.get("partition_messages", 250_000),
                users_per_partition=raw.get("users_per_partition", 100_000),
                spec_overrides=dict(raw.get("spec_overrides", {})))
