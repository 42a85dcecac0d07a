"""Calendar intensity and the time warp that gives messages their daily and weekly rhythm.

Messages are first placed in "operational time" u ∈ [0, 1), where traffic is uniform, then
mapped through the inverse of the cumulative intensity Λ(t) of the window: busy hours get
more messages, quiet hours fewer, while order (and so per-conversation monotonicity) holds.
The intensity is piecewise constant per minute: an hour-of-day profile whose busiest hour is
exactly ``diurnal_peak_to_trough`` times its quietest, × ``weekday_to_weekend`` on Monday to
Friday, × a yearly cosine of amplitude ``seasonal_amplitude`` (peak on day-of-year 350).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from synthgen.spec_model import TimeSpec

_EPOCH = dt.datetime(1970, 1, 1)
MS_PER_MINUTE = 60_000
"""Milliseconds in a minute (the timeline's resolution)."""
MS_PER_HOUR = 3_600_000
"""Milliseconds in an hour."""
MS_PER_DAY = 86_400_000
"""Milliseconds in a day."""
MINUTES_PER_DAY = 1440
"""Minutes in a day."""
SEASONAL_PEAK_DAY = 350
"""Day of the year (1-366) on which the yearly traffic cosine peaks."""
DAYS_PER_YEAR = 365.25
"""Period of the yearly cosine, in days."""
PEAK_WIDTH_HOURS = 2.0
"""Standard deviation, in hours, of the Gaussian shoulder around each peak-hours interval."""


def epoch_ms(t: dt.datetime) -> int:
    """Milliseconds since the Unix epoch of a naive UTC datetime."""
    return (t - _EPOCH) // dt.timedelta(milliseconds=1)


def hourly_profile(spec: TimeSpec) -> np.ndarray:
    """Relative traffic of each UTC hour of day: min 1, max diurnal_peak_to_trough."""
    centers = np.arange(24) + 0.5
    shape = np.zeros(24)
    for start, end in spec.peak_hours_utc:
        inside = (centers >= start) & (centers < end)
        d_start = np.abs(centers - start)
        d_end = np.abs(centers - end)
        d = np.minimum(np.minimum(d_start, 24 - d_start), np.minimum(d_end, 24 - d_end))
        d = np.where(inside, 0.0, d)
        shape = np.maximum(shape, np.exp(-(d**2) / (2 * PEAK_WIDTH_HOURS**2)))
    lo, hi = shape.min(), shape.max()
    norm = (shape - lo) / (hi - lo) if hi > lo else np.zeros(24)
    out: np.ndarray = 1.0 + (spec.diurnal_peak_to_trough - 1.0) * norm
    return out


class Timeline:
    """Maps operational time u ∈ [0, 1] to milliseconds since the window start."""

    def __init__(self, spec: TimeSpec, start: dt.datetime, days: int) -> None:
        self.start = start
        self.days = days
        self.start_ms = epoch_ms(start)
        minutes = days * MINUTES_PER_DAY
        m = epoch_ms(start) // MS_PER_MINUTE + np.arange(minutes, dtype=np.int64)
        hour = (m // 60) % 24
        day = m // MINUTES_PER_DAY
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        doy = np.array([(_EPOCH + dt.timedelta(days=int(d))).timetuple().tm_yday
                        for d in np.unique(day)])
        doy_per_minute = doy[(day - day[0])]
        lam = hourly_profile(spec)[hour]
        lam = lam * np.where(weekday < 5, spec.weekday_to_weekend, 1.0)
        lam = lam * (1 + spec.seasonal_amplitude
                     * np.cos(2 * math.pi * (doy_per_minute - SEASONAL_PEAK_DAY) / DAYS_PER_YEAR))
        cum = np.concatenate([[0.0], np.cumsum(lam)])
        self._cum = cum / cum[-1]
        self._edges_ms = np.arange(minutes + 1, dtype=np.float64) * float(MS_PER_MINUTE)
        self.length_ms = minutes * MS_PER_MINUTE

    def to_ms(self, u: np.ndarray) -> np.ndarray:
        """Operational time (0..1) → milliseconds since window start (float)."""
        out: np.ndarray = np.interp(u, self._cum, self._edges_ms)
        return out

    def to_u(self, ms: np.ndarray) -> np.ndarray:
        """Milliseconds since window start → operational time (the inverse of to_ms)."""
        out: np.ndarray = np.interp(ms, self._edges_ms, self._cum)
        return out
