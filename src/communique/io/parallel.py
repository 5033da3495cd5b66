"""The ordered parallel map behind every ``--jobs``.

:func:`ordered_map` applies ``task(context, item)`` to every item and yields the results in input order, so
nothing downstream can depend on the number of jobs. The context (a corpus store, a prediction index, ...) is
made once per worker by ``setup`` — run by the pool's initializer, so it is neither sent with every task nor
kept in a module global of the caller. With ``jobs=1`` everything runs in this process (no pickling; easy to
debug). Only a bounded window of batches is in flight, so results that the consumer has not taken yet
cannot pile up: memory stays flat however long the input.

Errors raised by a task in a worker are raised here, unchanged: a
:class:`~communique.schema.errors.CommuniqueError` keeps its located issues across processes. On
``KeyboardInterrupt`` the workers (which ignore SIGINT, so they print no tracebacks of their own) are
stopped and pending work is cancelled before the interrupt goes on.

``engine`` names how the work is spread; only ``"process"`` (a local process pool) exists today, and another
(e.g. dask) can plug in behind the same function.
"""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from itertools import chain, islice
from typing import Any, Literal, TypeVar

__all__ = ["ENGINES", "Engine", "ordered_map", "shared"]

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

Engine = Literal["process"]
ENGINES: tuple[str, ...] = ("process",)

WINDOW_PER_JOB = 2  # batches in flight per worker: enough to keep every worker busy, few enough to stay flat

# The task and its context inside a worker process: set once by the pool's initializer.
_worker: tuple[Callable[[Any, Any], Any], Any] | None = None


def _start_worker(task: Callable[[C, T], R], setup: Callable[[], C]) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _worker = (task, setup())


def _run_batch(batch: list[Any]) -> list[Any]:
    assert _worker is not None, "worker not initialised"
    task, context = _worker
    return [task(context, item) for item in batch]


def _identity(value: C) -> C:
    return value


def shared(value: C) -> Callable[[], C]:
    """A ``setup`` that gives every worker (a copy of) ``value``: settings that every task needs."""
    return partial(_identity, value)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ordered_map(
    task: Callable[[C, T], R],
    items: Iterable[T],
    *,
    setup: Callable[[], C],
    jobs: int = 1,
    batch: int = 1,
    engine: Engine = "process",
) -> Iterator[R]:
    """``task(context, item)`` for every item, in input order; ``context = setup()`` once per worker.

    ``task`` and ``setup`` must be picklable (module-level functions or :func:`functools.partial` of them)
    when ``jobs > 1``; ``batch`` items are sent to a worker at a time. Results are the same for any ``jobs``.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if jobs < 1 or batch < 1:
        raise ValueError("jobs and batch must be at least 1")
    if jobs == 1:
        context = setup()
        for item in items:
            yield task(context, item)
        return
    batches = _batches(items, batch)
    first = list(islice(batches, 2))
    if len(first) < 2:  # one batch of work: starting processes would only cost time
        yield from ordered_map(task, (item for chunk in first for item in chunk), setup=setup)
        return
    yield from _in_processes(task, chain(first, batches), setup, jobs)


def _in_processes(
    task: Callable[[C, T], R], batches: Iterator[list[T]], setup: Callable[[], C], jobs: int
) -> Iterator[R]:
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(task, setup))
    pending: deque[Future[list[R]]] = deque()
    try:
        for chunk in islice(batches, jobs * WINDOW_PER_JOB):
            pending.append(pool.submit(_run_batch, chunk))
        while pending:
            results = pending.popleft().result()
            for chunk in islice(batches, 1):  # refill the window before handing results on
                pending.append(pool.submit(_run_batch, chunk))
            yield from results
    except BaseException:  # an error, Ctrl-C, or the consumer stopped early (GeneratorExit)
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
