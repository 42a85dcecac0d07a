"""The message status mix (SENT, DELIVERED, READ, DELETED) against its closed form: derived.

The generator derives a message's status: DELETED with ``messages.deleted_share``, else READ
when any of its m recipients read it inside the window, else DELIVERED when any got it, else
SENT. Per (message, recipient) pair a read happens with read_rate x w, where w is the share of
reads landing before the window's end (sending time uniform over the window, as for the
read-latency KS), and a delivery with delivery_rate (a read implies a delivery; a delivery
lags ~1.5 s, so the window cuts a negligible share). With recipients_m the share of messages
with m recipients (spec check's plans: min(max_recipients, members - 1) weighted by messages;
every message has one at the default max_recipients = 1):

    READ = (1 - d) sum_m s_m (1 - (1 - r w)^m),  SENT = (1 - d) sum_m s_m (1 - delivery)^m,
    DELIVERED = (1 - d) - READ - SENT,  DELETED = d.

Three of its four degrees of freedom are the read and delivery rates, which vote on their own
(``reads.read_rate``, ``reads.delivery_rate``: pairs of the reads and receipts tables); the
TV moves (1 - d) per unit of read rate, so any useful band would make it a second, tighter
read-rate vote. It is reported and does not vote (``DERIVED``). The fourth, DELETED, is 1% of
messages: doubling it moves the TV 0.01, below any band a mix of this size can hold, so it
would add no power if it voted. The noise is a multinomial over the band's messages (each
message's status is its own draws; no clustering).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synthgen.bands import Band
from synthgen.fidelity.check import Check
from synthgen.fidelity.distances import mix_check
from synthgen.fidelity.tolerance import severity
from synthgen.predict import latency_cdf
from synthgen.spec_model import Latency, Spec

if TYPE_CHECKING:
    import duckdb

MESSAGE_STATUS_TV = "distance.message_status_tv"
WINDOW_POINTS = 4096
"""Sending times averaged over when integrating the share of reads inside the window."""


def read_in_window(lat: Latency, window_s: float, points: int = WINDOW_POINTS) -> float:
    """Share of reads that land before the window's end, the sending time uniform over it.

    >>> round(read_in_window(Latency(), 30 * 86_400), 3)
    0.989
    """
    if window_s <= 0:
        return 0.0
    return sum(latency_cdf(lat, window_s * (i + 1) / points) for i in range(points)) / points


def status_shares(spec: Spec, window_s: float, recipients: Sequence[float]) -> dict[str, float]:
    """Expected share of each MessageStatus (see the module docstring).

    >>> s = status_shares(Spec(), 1e12, [0.0, 1.0])
    >>> {k: round(v, 4) for k, v in s.items()}
    {'SENT': 0.0495, 'DELIVERED': 0.1287, 'READ': 0.8118, 'DELETED': 0.01}
    """
    d, rs = spec.messages.deleted_share, spec.reads
    p_read = rs.read_rate * read_in_window(rs.latency, window_s)
    total = sum(recipients)
    shares = [s / total for s in recipients] if total > 0 else [1.0]
    read = sum(s * (1 - (1 - p_read) ** m) for m, s in enumerate(shares))
    sent = sum(s * (1 - rs.delivery_rate) ** m for m, s in enumerate(shares))
    return {"SENT": (1 - d) * sent, "DELIVERED": (1 - d) * max(0.0, 1 - read - sent),
            "READ": (1 - d) * read, "DELETED": d}


def message_status_check(con: duckdb.DuckDBPyConnection, spec: Spec, band: Band, scale: float,
                         recipients: Sequence[float]) -> Check:
    """The status mix's TV to its closed form: reported, never voting (see module docstring)."""
    from synthgen.fidelity import DERIVED

    counts = {str(s): int(c) for s, c in
              con.execute("SELECT status, count(*) FROM messages GROUP BY ALL").fetchall()}
    want = status_shares(spec, band.window_days * 86_400.0, recipients)
    c = mix_check(MESSAGE_STATUS_TV, counts, want, band.messages,
                  float(spec.tolerance.message_status_tv), scale, "message statuses")
    votes = MESSAGE_STATUS_TV not in DERIVED
    tv = c.deviation if c.deviation is not None else math.inf
    note = "" if votes else (f"; a function of {DERIVED[MESSAGE_STATUS_TV]}: reported, does "
                             "not vote")
    return Check(name=c.name, kind=c.kind, target=c.target, achieved=c.achieved,
                 severity=severity(tv, c.band or 0.0, votes=votes), deviation=c.deviation,
                 band=c.band, level=c.level, source="spec", spec_target=0.0, n=c.n,
                 detail=c.detail + note)
