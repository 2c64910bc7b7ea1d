"""Independent pieces of work (Monte Carlo sessions, sweep points) on one core, a local cluster or a cluster.

Engine: Dask distributed (``distributed`` on PyPI, 2024.8+). Chosen over Ray because its wheels are pure
Python and small, a ``LocalCluster`` starts inside the command with nothing else to install or run, and the
same ``Client`` API drives a real cluster (``dask scheduler`` + ``dask worker`` on other machines) when
``--scheduler tcp://HOST:PORT`` is given. Workers must have rugsbot (and any user strategy folder, at the
same path) installed.

Reproducibility is the callers' job and they keep it: every piece carries its own seed (bot/optimize/montecarlo.py
spawns one per session), and results come back in submission order, so the number of workers, the scheduler
and the order of completion change the speed of a run, never its result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class ParallelError(RuntimeError):
    """The cluster could not be started or reached (an environment problem, not a bug in the work)."""


@contextmanager
def dask_client(jobs: int, scheduler: str | None) -> Iterator[Any]:
    """A Dask client: connected to ``scheduler``, else to a local cluster of ``jobs`` single-threaded worker
    processes (one core each: the work is pure Python and numpy, the GIL would serialise threads)."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=5)
        except OSError as exc:
            raise ParallelError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=jobs,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_all(
    fn: Callable[..., T],
    calls: Sequence[tuple[Any, ...]],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[T]:
    """``[fn(*args) for args in calls]``, in order; on Dask when ``jobs > 1`` or a scheduler is given.

    ``on_done(i)`` is called as call ``i`` finishes (in completion order), for progress bars. An exception in
    a call is raised here, as the serial loop would raise it.
    """
    if scheduler is None and (jobs <= 1 or len(calls) <= 1):
        out: list[T] = []
        for i, args in enumerate(calls):
            out.append(fn(*args))
            if on_done is not None:
                on_done(i)
        return out
    from distributed import as_completed

    with dask_client(jobs, scheduler) as client:
        futures = [client.submit(fn, *args, pure=False) for args in calls]
        where = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            if fut.status == "error":
                fut.result()  # re-raises the call's own exception
            if on_done is not None:
                on_done(where[fut.key])
        return list(client.gather(futures))
