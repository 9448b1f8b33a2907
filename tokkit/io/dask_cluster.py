"""The Dask cluster tokkit runs on: a running scheduler, or a local cluster started and stopped here.

Used by `evaluate --engine dask` and `train --engine dask`. dask is optional
(`pip install 'tokkit[dask]'`) and imported only when an engine needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from tokkit.errors import ClusterError

CONNECT_TIMEOUT_S = 10.0  # how long to wait for a --scheduler before giving up
DEFAULT_WORKERS = 2  # worker processes of a local cluster (no --scheduler)
INSTALL_MESSAGE = "--engine dask needs dask.distributed: pip install 'tokkit[dask]'"


class Engine(str, Enum):
    LOCAL = "local"  # this process
    DASK = "dask"  # tasks on a Dask cluster (an existing scheduler, or a local cluster)


def require_dask() -> None:
    """Fail with one clear line when dask.distributed is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(INSTALL_MESSAGE) from None


def local_cluster(n_workers: int) -> Any:
    """A `distributed.LocalCluster` of `n_workers` single-threaded processes on this machine,
    listening on 127.0.0.1 only, on free ports (no dashboard; its HTTP endpoint on a free port too,
    so that several clusters can run at once)."""
    from distributed import LocalCluster

    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )


@contextmanager
def dask_client(
    scheduler: str | None, *, n_workers: int = DEFAULT_WORKERS, timeout: float = CONNECT_TIMEOUT_S
) -> Iterator[Any]:
    """A `distributed.Client` of the scheduler at `scheduler`, or of a local cluster of
    `n_workers` single-threaded processes started (and stopped) here."""
    require_dask()
    from distributed import Client

    # importing distributed sets its loggers to INFO; follow tokkit's verbosity instead (-v shows them)
    logging.getLogger("distributed").setLevel(logging.getLogger().getEffectiveLevel())
    if scheduler is None:
        with local_cluster(n_workers) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    try:
        client = Client(scheduler, timeout=timeout)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ClusterError(
            f"cannot reach the dask scheduler at {scheduler} ({reason})",
            hint="check the address (tcp://HOST:8786) and that the scheduler is running; "
            "without --scheduler, tokkit starts a local cluster",
        ) from None
    with client:
        yield client
