"""The ordered parallel map behind every ``--jobs``.

:func:`ordered_map` applies ``task(context, item)`` to every item and yields the results in input order, so
nothing downstream can depend on the number of jobs. The context (a corpus store, a prediction index, ...) is
made once per worker by ``setup`` — run by the pool's initializer, so it is neither sent with every task nor
kept in a module global of the caller. With :data:`SERIAL` workers (one job, the process engine) everything
runs in this process (no pickling; easy to debug). With ``jobs=N`` the work is done by N processes: N - 1
workers, and this process, which runs a batch itself whenever the next result it needs is not ready (so what
the consumer does here — merging, writing — does not leave a core idle or make one process the bottleneck).
Only a bounded window of batches is in flight, so results that the consumer has not taken yet cannot pile up:
memory stays flat however long the input.

Errors raised by a task in a worker are raised here, unchanged: a
:class:`~communique.schema.errors.CommuniqueError` keeps its located issues across processes. On
``KeyboardInterrupt`` the workers (which ignore SIGINT, so they print no tracebacks of their own) are
stopped and pending work is cancelled before the interrupt goes on.

How the work is spread is one value, :class:`Workers`, passed explicitly like any other argument (the CLI
makes it from ``--jobs``, ``--engine`` and ``--scheduler``): its ``engine`` is ``"process"`` (a local process
pool of ``jobs`` workers) or ``"dask"`` (Dask distributed: the batches are tasks on a cluster — the one at
``scheduler``, else a ``LocalCluster`` of ``jobs`` worker processes; :func:`connected` opens one client that
every map of a command shares). Dask is an optional extra (``pip install 'communique[dask]'``). Either way
results are reduced here, in input order, so the output does not depend on the engine or the number of
workers; a batch lost with a worker that died is rerun by Dask.
"""

from __future__ import annotations

import importlib
import signal
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, islice
from typing import Any, Literal, Protocol, TypeVar, cast

__all__ = [
    "ENGINES",
    "SERIAL",
    "Engine",
    "Workers",
    "connected",
    "dask_client",
    "ordered_map",
    "shared",
]

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class DaskFuture(Protocol[R_co]):
    """What is used of a ``distributed.Future``."""

    def result(self) -> R_co: ...


class DaskClient(Protocol):
    """What is used of a ``distributed.Client`` (the optional `dask` extra, imported only when asked for)."""

    def scheduler_info(self) -> Mapping[str, object]: ...

    def scatter(self, data: list[C], *, broadcast: bool, hash: bool) -> list[DaskFuture[C]]: ...

    def submit(self, func: Callable[..., R], *args: object, pure: bool) -> DaskFuture[R]: ...

    def cancel(self, futures: list[DaskFuture[R]]) -> None: ...

    def close(self) -> None: ...


class DaskCluster(Protocol):
    """What is used of a ``distributed.LocalCluster``."""

    def close(self) -> None: ...


Engine = Literal["process", "dask"]
ENGINES: tuple[str, ...] = ("process", "dask")
DASK_MISSING = "the dask engine needs Dask distributed: pip install 'communique[dask]'"

WINDOW_PER_JOB = 2  # batches in flight per worker: enough to keep every worker busy, few enough to stay flat

# The task and its context inside a worker process: set once by the pool's initializer.
_worker: tuple[Callable[[Any, Any], Any], Any] | None = None


def _start_worker(task: Callable[[C, T], R], setup: Callable[[], C]) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _worker = (task, setup())


def _run_batch(batch: Sequence[object]) -> list[object]:
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


@dataclass(frozen=True)
class Workers:
    """How a parallel map runs: ``jobs`` workers on ``engine``; for dask, the ``scheduler`` to connect to
    (``None``: a LocalCluster of ``jobs`` processes) and a ``client`` already connected (:func:`connected`),
    shared by every map of a command. ``--jobs``, ``--engine`` and ``--scheduler`` travel together as one."""

    jobs: int = 1
    engine: Engine = "process"
    scheduler: str | None = None
    client: DaskClient | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose from {', '.join(ENGINES)}")
        if self.jobs < 1:
            raise ValueError("jobs must be at least 1")
        if self.scheduler and self.engine != "dask":
            raise ValueError("a scheduler is for the dask engine")

    @property
    def serial(self) -> bool:
        """Everything runs in this process, one item after the other."""
        return self.jobs == 1 and self.engine == "process"


#: one worker: this process
SERIAL = Workers()


def dask_client(scheduler: str | None, workers: int) -> tuple[DaskClient, DaskCluster | None]:
    """A Dask client and the cluster made for it: connected to ``scheduler`` (no cluster made), else to a new
    LocalCluster of ``workers`` worker processes (one thread each: the work is CPU-bound Python). Raises
    ``RuntimeError`` when Dask is not installed."""
    try:
        distributed: Any = importlib.import_module("distributed")  # the optional `dask` extra
    except ImportError:
        raise RuntimeError(DASK_MISSING) from None
    if scheduler:
        return distributed.Client(scheduler, timeout="30s"), None
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    )
    return distributed.Client(cluster), cluster


def _close(client: DaskClient, cluster: DaskCluster | None) -> None:
    client.close()
    if cluster is not None:
        cluster.close()


@contextmanager
def connected(workers: Workers) -> Iterator[Workers]:
    """``workers`` with one Dask client (to its scheduler, else a LocalCluster of ``jobs`` processes) that
    serves every map run with it and is closed on the way out; ``workers`` as they are for other engines."""
    if workers.engine != "dask" or workers.client is not None:
        yield workers
        return
    client, cluster = dask_client(workers.scheduler, workers.jobs)
    try:
        yield replace(workers, client=client)
    finally:
        _close(client, cluster)


def ordered_map(
    task: Callable[[C, T], R],
    items: Iterable[T],
    *,
    setup: Callable[[], C],
    workers: Workers = SERIAL,
    batch: int = 1,
) -> Iterator[R]:
    """``task(context, item)`` for every item, in input order; ``context = setup()`` once per worker.

    ``task`` and ``setup`` must be picklable (module-level functions or :func:`functools.partial` of them)
    unless ``workers`` is :data:`SERIAL`; ``batch`` items are sent to a worker at a time. Results are the
    same for any number of workers and any engine.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    if workers.engine == "dask":
        yield from _on_dask(task, _batches(items, batch), setup, workers)
        return
    if workers.jobs == 1:
        context = setup()
        for item in items:
            yield task(context, item)
        return
    batches = _batches(items, batch)
    first = list(islice(batches, 2))
    if len(first) < 2:  # one batch of work: starting processes would only cost time
        yield from ordered_map(task, (item for chunk in first for item in chunk), setup=setup)
        return
    yield from _in_processes(task, chain(first, batches), setup, workers.jobs)


MAIN_BACKLOG = 2  # batches the main process may run ahead of the oldest batch still in a worker


class _Failed:
    """An error raised by a batch run in the main process: raised when that batch's turn comes, as a worker's
    error is, so results before it still come out first."""

    def __init__(self, error: BaseException):
        self.error = error


def _in_processes(
    task: Callable[[C, T], R], batches: Iterator[list[T]], setup: Callable[[], C], jobs: int
) -> Iterator[R]:
    """``jobs`` processes work: ``jobs - 1`` workers and this one. This process takes the next batch itself
    whenever the oldest batch in flight is not done yet, instead of waiting for it; so the work spreads over
    every process however much time the consumer of the results (merging, writing) takes here, and a slow
    batch in a worker does not leave this process idle."""
    pool = ProcessPoolExecutor(max_workers=jobs - 1, initializer=_start_worker, initargs=(task, setup))
    pending: deque[Future[list[R]] | list[R] | _Failed] = deque()  # in input order
    context: list[C] = []  # this process's own context, made when it first takes a batch
    in_pool = 0  # batches submitted and not yet taken back

    def submit(chunk: list[T]) -> None:
        nonlocal in_pool
        pending.append(cast("Future[list[R]]", pool.submit(_run_batch, chunk)))
        in_pool += 1

    def run_here(chunk: list[T]) -> list[R] | _Failed:
        if not context:
            context.append(setup())
        try:
            return [task(context[0], item) for item in chunk]
        except Exception as exc:  # its turn will raise it
            return _Failed(exc)

    try:
        for chunk in islice(batches, (jobs - 1) * WINDOW_PER_JOB):
            submit(chunk)
        while pending:
            head = pending[0]
            if isinstance(head, Future) and not head.done() and len(pending) - in_pool < MAIN_BACKLOG:
                extra = next(batches, None)
                if extra is not None:
                    pending.append(run_here(extra))
                    continue
            pending.popleft()
            if isinstance(head, Future):
                in_pool -= 1
                results = head.result()
                for chunk in islice(batches, 1):  # refill the window before handing results on
                    submit(chunk)
            elif isinstance(head, _Failed):
                raise head.error
            else:
                results = head
            yield from results
    except BaseException:  # an error, Ctrl-C, or the consumer stopped early (GeneratorExit)
        for future in pending:
            if isinstance(future, Future):
                future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


# The contexts made on a Dask worker, by map: a worker process serves many maps (and many commands, on a
# shared cluster), so only the latest few are kept.
_dask_contexts: OrderedDict[str, Any] = OrderedDict()
DASK_CONTEXTS_KEPT = 4


def _run_dask_batch(key: str, work: tuple[Callable[[C, T], R], Callable[[], C]], batch: list[T]) -> list[R]:
    task, setup = work
    if key not in _dask_contexts:
        _dask_contexts[key] = setup()
        while len(_dask_contexts) > DASK_CONTEXTS_KEPT:
            _dask_contexts.popitem(last=False)
    context = _dask_contexts[key]
    return [task(context, item) for item in batch]


def _on_dask(
    task: Callable[[C, T], R], batches: Iterator[list[T]], setup: Callable[[], C], workers: Workers
) -> Iterator[R]:
    own = workers.client is None  # workers not connected (see `connected`): this map makes and closes a client
    client, cluster = dask_client(workers.scheduler, workers.jobs) if workers.client is None else (workers.client, None)
    try:
        known = client.scheduler_info().get("workers", {})
        running = max(1, len(known) if isinstance(known, Mapping) else 0)
        key = uuid.uuid4().hex  # names this map's per-worker context
        # the task and setup (which may carry a large index) go to every worker once, not with every batch;
        # a worker that replaces a dead one fetches them from another
        [work] = client.scatter([(task, setup)], broadcast=True, hash=False)
        pending: deque[DaskFuture[list[R]]] = deque()
        try:
            # pure=False: identical batches of two maps are different work; retries only for errors
            # raised by a task — a worker that dies is handled by the scheduler, which reruns its tasks
            for chunk in islice(batches, running * WINDOW_PER_JOB):
                pending.append(client.submit(_run_dask_batch, key, work, chunk, pure=False))
            while pending:
                results = pending.popleft().result()
                for chunk in islice(batches, 1):
                    pending.append(client.submit(_run_dask_batch, key, work, chunk, pure=False))
                yield from results
        except BaseException:
            client.cancel(list(pending))
            raise
    finally:
        if own:
            _close(client, cluster)
