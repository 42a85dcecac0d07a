"""Gate 1's read fan-out: reads per message, and how much of the heavy rooms they cover.

Three metrics (names and meanings in ``synthgen.metrics.READ_FAN_OUT``):

- ``reads.per_message``: reads / messages. With at most ``max_recipients`` recipients per
  message it is ``read_rate`` times the mean recipients per message, a function of
  ``reads.read_rate`` (which votes) and the conversations' sizes: reported, does not vote.
- ``reads.heavy_room_per_message``: reads / messages inside the heavy rooms (at least the
  spec's heavy-room floor of messages, as ``heavy_rooms.count`` counts them). Reads can move
  between heavy and other rooms without moving the read rate, so it votes. Its allowance is
  binomial over the rooms' read slots: it is the check that catches a changed fan-out.
- ``reads.heavy_room_member_coverage``: reads by members inside the heavy rooms / (messages x
  other members) there, the share of (message, member) pairs Q4's unread count sees as read.
  Its allowance adds to the binomial part the spread of the value over independent plans, on
  the log scale: which rooms are heavy and how many members they have is the cluster effect,
  huge on a band with a few heavy rooms (ci: 8) and moderate on dev (160). It votes where
  that band is under INFORMATIVE_BAND (dev and larger); on ci it is reported only.

Targets and spreads come from ``synthgen.generate.fan_out`` (spec and band only, the same
numbers spec check prints), never from the judged dataset. Declared bands are the spec's
``tolerance.read_fan_out_rel`` and ``tolerance.heavy_room_coverage_rel``, widened to
NOISE_SIGMAS standard deviations. ``validate --against`` replaces the coverage target by
the export's ``reads.heavy_room_member_coverage`` when the export has it.

The heavy rooms' reads are counted by the integrity pass over message_reads, which already
joins every read to its message in the shared ``msg`` table (``pass_aggregates``); the rooms'
sizes come from ``conv_size`` (``prepare``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from synthgen.fidelity.check import DISTRIBUTION, Check
from synthgen.fidelity.noise import log_scale_sd
from synthgen.fidelity.tolerance import NOISE_SIGMAS, Tolerance, deviation, severity
from synthgen.generate.fan_out import (
    HEAVY_COVERAGE,
    HEAVY_PER_MESSAGE,
    PER_MESSAGE,
    FanOutTarget,
    resolve_fan_out,
)

if TYPE_CHECKING:
    import duckdb

    from synthgen.fidelity.inputs import DatasetInputs
    from synthgen.spec_model import Spec

Q4 = ("what Q4's unread count sees: a heavy room's member has read this share of the "
      "room's messages sent by others")


HEAVY_READS = "heavy_reads"
"""The reads pass aggregate (``pass_aggregates``) counting reads of heavy-room messages."""


def pass_aggregates(floor: int) -> dict[str, str]:
    """What the integrity pass over message_reads counts for ``measure`` on its way (alias m =
    the read's message): the reads of messages in heavy rooms (at least ``floor`` messages).
    That pass already joins every read to its message; a join of its own cost 0.57 CPU-s on
    dev."""
    return {HEAVY_READS: f"count(*) FILTER (WHERE {_in_heavy_room(floor)})"}


def _in_heavy_room(floor: int) -> str:
    return f"m.hc IN (SELECT hc FROM conv_size WHERE n >= {int(floor)})"


def measure(con: duckdb.DuckDBPyConnection, floor: int,
            heavy_reads: int | None = None) -> dict[str, tuple[float, int]]:
    """metric -> (achieved, observations) over the whole dataset (needs ``prepare``'s tables
    and a message_reads view).

    ``heavy_reads`` is the reads pass's count (``pass_aggregates``); None joins the reads to
    the heavy rooms' messages here. Reads are counted whoever made them: a read by a
    non-member or by the sender fails integrity (``reader_is_member``,
    ``reader_not_sender``), and an orphan read its foreign key, so in a dataset that can be
    GO every counted read is a member's read of another's message.
    """
    floor = int(floor)
    row = con.execute(f"""
        SELECT (SELECT count(*) FROM message_reads), (SELECT count(*) FROM msg),
               coalesce(sum(n) FILTER (WHERE n >= {floor}), 0),
               coalesce(sum(n * greatest(members - 1, 0)) FILTER (WHERE n >= {floor}), 0)
        FROM conv_size""").fetchone()
    assert row is not None
    reads, msgs, heavy_msgs, heavy_pairs = (int(v or 0) for v in row)
    if heavy_reads is None:
        joined = con.execute('SELECT count(*) FROM message_reads t JOIN msg m '
                             f'ON m.id = t."messageId" WHERE {_in_heavy_room(floor)}').fetchone()
        assert joined is not None
        heavy_reads = int(joined[0])

    def ratio(a: int, b: int) -> float:
        return a / b if b else math.nan

    return {PER_MESSAGE: (ratio(reads, msgs), msgs),
            HEAVY_PER_MESSAGE: (ratio(heavy_reads, heavy_msgs), heavy_msgs),
            HEAVY_COVERAGE: (ratio(heavy_reads, heavy_pairs), heavy_pairs)}


def binomial_rel(read_rate: float, slots: int) -> float:
    """Relative sd of a count of reads over ``slots`` independent slots, each read with
    probability ``read_rate``.

    >>> round(binomial_rel(0.8, 10_000), 4)
    0.005
    >>> binomial_rel(1.0, 100), binomial_rel(0.5, 0)
    (0.0, 0.0)
    """
    if slots <= 0 or not 0 < read_rate < 1:
        return 0.0
    return math.sqrt((1 - read_rate) / (read_rate * slots))


def allowance(t: FanOutTarget, read_rate: float) -> tuple[float, str]:
    """(relative sd, how): the reads' binomial noise and the plans' spread added in quadrature
    on the log scale (the plans' values are skewed to the right), returned as the relative
    sd whose NOISE_SIGMAS multiples are exp(NOISE_SIGMAS x that log sd) - 1; both from the
    spec and band.

    >>> t = FanOutTarget("m", None, 0.03, 0.004, 0.14, 1_000_000)
    >>> rel, _ = allowance(t, 0.8)
    >>> round(NOISE_SIGMAS * rel, 3)  # exp(4 x 0.14) - 1
    0.751
    """
    binom = binomial_rel(read_rate, t.slots)
    plans = t.log_spread
    how = f"binomial over {t.slots:,} read slots"
    if plans:
        how += (f" ⊕ spread over independent plans ({plans:.1%} on the log scale: which "
                "rooms are heavy)")
    return log_scale_sd(math.hypot(binom, plans), NOISE_SIGMAS), how


INFORMATIVE_BAND = 1.0
"""A fan-out metric whose band is wider than this (relative) is reported and does not vote: it
could not tell a coverage halved or doubled from chance, and a vote would add only false
alarms. On ci the coverage's band is 1,831%: a heavy room that happens to be a small
conversation has coverage up to read_rate, so independent plans range over 0.007-0.63
against a median of 0.031; with 9 plans and a linear spread (a 293% band) 3 of 40 correct ci
datasets were NO-GO on it. Dev's band is 78% (log sd 14% over 101 plans): it votes."""


def declared(metric: str, spec: Spec) -> float:
    """The metric's declared relative band (spec tolerance section)."""
    tol = spec.tolerance
    return tol.heavy_room_coverage_rel if metric == HEAVY_COVERAGE else tol.read_fan_out_rel


def fan_out_checks(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs, tol: Tolerance,
                   override: dict[str, float] | None = None,
                   heavy_reads: int | None = None) -> list[Check]:
    """The three read fan-out checks. ``override`` is ``validate --against``'s targets (None
    without an export): its coverage, when present, replaces spec check's. ``heavy_reads``:
    the reads pass's count (``pass_aggregates``), None when that pass did not run."""
    from synthgen.fidelity import DERIVED
    from synthgen.fidelity.inputs import require

    if not require(con, "message_reads"):
        return []
    spec = inputs.spec
    targets = resolve_fan_out(spec, inputs.band)
    measured = measure(con, spec.messages.heavy_rooms.min_messages, heavy_reads)
    out = []
    for metric, t in targets.items():
        achieved, n = measured[metric]
        if t.slots == 0 and n == 0:
            continue  # no heavy rooms planned nor found: nothing to judge
        rel, how = allowance(t, spec.reads.read_rate)
        band = max(declared(metric, spec) * tol.scale, NOISE_SIGMAS * rel)
        expected = (f"spec check's expected {t.resolved:.4g} (median of independent plans, "
                    f"sd {t.spread:.2g})")
        target, source, spec_value = t.resolved, "feasibility", t.spec
        notes = []
        if override is not None and metric in override:
            target, source, spec_value = float(override[metric]), "override", t.resolved
            notes.append(f"production's value from the export; spec column = {expected}")
        else:
            notes.append(expected)
            if override is not None:
                notes.append("not in the export: judged against spec check's expected value")
        notes.append(f"band: declared {declared(metric, spec):.0%} x {tol.scale:g}, at least "
                     f"{NOISE_SIGMAS:g} sd ({how})")
        if metric == HEAVY_COVERAGE:
            notes.append(Q4)
        votes = metric not in DERIVED and band <= INFORMATIVE_BAND
        if metric in DERIVED:
            notes.append(f"a function of {DERIVED[metric]}: reported, does not vote")
        elif not votes:
            notes.append(f"band over {INFORMATIVE_BAND:.0%}: this band's plans cannot tell it "
                         "from chance; reported, does not vote")
        dev = deviation(target, achieved)
        out.append(Check(name=metric, kind=DISTRIBUTION, target=target,
                         achieved=achieved if math.isfinite(achieved) else None,
                         severity=severity(dev, band, votes=votes), deviation=dev, band=band,
                         source=source, spec_target=spec_value, n=n, detail="; ".join(notes)))
    return out
