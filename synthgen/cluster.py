"""Run partition tasks on a Dask distributed cluster (``--cluster tcp://host:8786`` or ``local:N``).

Dask is an optional extra (``pip install 'synthgen[cluster]'``), imported only here and only
when a cluster is asked for. Each partition task is one Dask task: the worker builds the
partition and writes it straight to the output (a shared filesystem or an object-store
URL); the client only collects the manifest entries and writes the manifest last. A worker
that dies mid-partition has its task retried elsewhere by the scheduler: partition files
are written whole (temporary name or single upload), so a retry never leaves half a file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from synthgen.errors import EnvironmentProblem, InputError

CONNECT_TIMEOUT_S = 10
"""How long to wait for a remote scheduler before giving up."""
TASK_RETRIES = 3
"""Times the scheduler re-runs a task whose worker died (beyond its own allowed-failures)."""
LOCAL_PREFIX = "local:"


def _dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError("--cluster needs Dask distributed: pip install 'synthgen[cluster]'"
                         ) from None
    return distributed


def parse_address(address: str) -> int | str:
    """``local:N`` → N worker processes; a scheduler URL (tcp://, tls://...) is kept as is."""
    if address.startswith(LOCAL_PREFIX):
        n = address.removeprefix(LOCAL_PREFIX)
        if not n.isdigit() or int(n) < 1:
            raise InputError(f"--cluster {address}: expected local:N with N >= 1 workers")
        return int(n)
    if "://" not in address:
        raise InputError(f"--cluster {address}: expected a scheduler address "
                         "(tcp://host:8786) or local:N")
    return address


@contextlib.contextmanager
def client(address: str) -> Iterator[Any]:
    """A connected Dask client (and its local cluster, for local:N); one-line errors."""
    target = parse_address(address)
    distributed = _dask()
    if isinstance(target, int):
        # one single-threaded worker process per partition at a time, as the process pool
        with distributed.LocalCluster(n_workers=target, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as c:
            yield c
        return
    try:
        c = distributed.Client(target, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as e:
        raise EnvironmentProblem(f"cannot reach the Dask scheduler at {target}: "
                                 f"{str(e).splitlines()[0] if str(e) else type(e).__name__}"
                                 ) from None
    with c:
        yield c


def map_tasks(address: str, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]
              ) -> Iterator[Any]:
    """Run fn(*call) for every call on the cluster; results as they complete."""
    distributed = _dask()
    with client(address) as c:
        futures = [c.submit(fn, *call, pure=False, retries=TASK_RETRIES) for call in calls]
        try:
            for fut in distributed.as_completed(futures):
                yield fut.result()
        finally:
            c.cancel(futures)
