"""FC instances as processes, and FC / EventBridge as the parent that delivers and redelivers to them.

Each worker process builds its own :class:`~playgate.handler.Runtime` from the settings it is given (so
several workers share only what real instances share: the store URL, the sinks' files, ICE over HTTP) and
handles the payloads it is sent with :func:`~playgate.handler.handle_payload`. The parent plays the
trigger: it sends payloads, reads one :class:`Delivery` per invocation, and sends a retried payload again
(bounded attempts), as FC's async retries and EventBridge's redelivery do.

Used by the reliability tests and by ``bench/soak.py`` (which puts this folder on ``sys.path``).
"""

from __future__ import annotations

import heapq
import itertools
import multiprocessing as mp
import os
import queue
import signal
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Delivery:
    """One invocation as the trigger saw it."""

    worker: int
    task: Hashable  # the caller's name for the payload
    attempt: int  # 1 for the first delivery
    retry: bool  # the handler raised RetryLater: FC / EventBridge deliver the payload again
    summary: dict[str, Any]
    raised: str | None = None  # anything but RetryLater that escaped the handler (always a bug)

    @property
    def results(self) -> list[dict[str, Any]]:
        return list(self.summary.get("results") or [])


@dataclass
class Context:
    """What FC passes as ``context`` that the handler reads: the time left, the request id."""

    remaining_ms: int | None = None
    request_id: str = "req-reliability"
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        assert self.remaining_ms is not None
        return max(0, int(self.remaining_ms - (time.monotonic() - self.started) * 1000))


def _worker(index: int, settings: Any, tasks: Any, results: Any, ready: Any) -> None:
    from playgate.handler import RetryLater, Runtime, handle_payload

    runtime = Runtime.build(settings)
    runtime.gate.ice.warm()
    ready.wait()
    try:
        while (task := tasks.get()) is not None:
            task_id, attempt, payload = task
            retry, raised = False, None
            try:
                summary = handle_payload(payload, runtime=runtime)
            except RetryLater as error:
                summary, retry = error.summary, True
            except BaseException as error:
                summary, retry, raised = {}, True, f"{type(error).__name__}: {error}"
            results.put(Delivery(index, task_id, attempt, retry, summary, raised))
    finally:
        runtime.close()


def crash_mid_event(settings: Any, payload: Any, remaining_ms: int | None) -> None:
    """Handle one payload as an FC invocation with ``remaining_ms`` left; the test kills this process."""
    from playgate.handler import Runtime, handle_payload

    runtime = Runtime.build(settings)
    context = Context(remaining_ms) if remaining_ms is not None else None
    handle_payload(payload, runtime=runtime, context=context)


class Workers:
    """``with Workers(settings, 4) as workers:`` — N spawned processes, each with its own Runtime.

    ``shared=True`` gives them one task queue (any idle instance takes the next payload, like FC);
    otherwise ``send(..., worker=i)`` addresses one of them.
    """

    def __init__(self, settings: Any, count: int, *, shared: bool = False) -> None:
        ctx = mp.get_context("spawn")
        self.count = count
        self.shared = shared
        self._tasks = [ctx.Queue() for _ in range(1 if shared else count)]
        self._results = ctx.Queue()
        self._ready = ctx.Barrier(count + 1)
        self._procs = [
            ctx.Process(
                target=_worker,
                args=(i, settings, self._tasks[0 if shared else i], self._results, self._ready),
                name=f"playgate-worker-{i}",
                daemon=True,
            )
            for i in range(count)
        ]

    def start(self, timeout_s: float = 120.0) -> Workers:
        """Start every worker and return once all have built their Runtime (so they start together)."""
        for proc in self._procs:
            proc.start()
        self._ready.wait(timeout_s)
        return self

    def send(self, task: Hashable, payload: Any, *, worker: int = 0, attempt: int = 1) -> None:
        self._tasks[0 if self.shared else worker].put((task, attempt, payload))

    def next_delivery(self, timeout_s: float) -> Delivery | None:
        try:
            return self._results.get(timeout=timeout_s)
        except queue.Empty:
            dead = [p.name for p in self._procs if not p.is_alive()]
            if dead:
                raise RuntimeError(f"worker process(es) died: {', '.join(dead)}") from None
            return None

    def stop(self) -> None:
        for tasks in self._tasks:
            for _ in range(self.count if self.shared else 1):
                tasks.put(None)
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive() and proc.pid:
                os.kill(proc.pid, signal.SIGKILL)
                proc.join(timeout=5)

    def __enter__(self) -> Workers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def deliver_all(
    workers: Workers,
    tasks: Iterable[tuple[Hashable, int, Any]],
    *,
    max_attempts: int,
    redeliver_after_s: float = 0.0,
    stall_timeout_s: float = 60.0,
) -> list[Delivery]:
    """Send every ``(task, worker, payload)``; redeliver a retried one to the same worker after
    ``redeliver_after_s``, at most ``max_attempts`` deliveries in all. Returns every delivery made."""
    payloads: dict[Hashable, tuple[int, Any]] = {}
    for task, worker, payload in tasks:
        payloads[task] = (worker, payload)
        workers.send(task, payload, worker=worker)
    pending: list[tuple[float, int, Hashable, int]] = []  # (due, tie-break, task, attempt)
    order = itertools.count()
    outstanding, deliveries = len(payloads), []
    last_progress = time.monotonic()
    while outstanding:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, task, attempt = heapq.heappop(pending)
            worker, payload = payloads[task]
            workers.send(task, payload, worker=worker, attempt=attempt)
        wait = min(0.5, max(0.0, pending[0][0] - now)) if pending else 0.5
        delivery = workers.next_delivery(timeout_s=max(wait, 0.001))
        if delivery is None:
            if time.monotonic() - last_progress > stall_timeout_s:
                raise RuntimeError(f"no delivery finished for {stall_timeout_s} s; {outstanding} outstanding")
            continue
        last_progress = time.monotonic()
        deliveries.append(delivery)
        if delivery.retry and delivery.attempt < max_attempts:
            due = time.monotonic() + redeliver_after_s
            heapq.heappush(pending, (due, next(order), delivery.task, delivery.attempt + 1))
        else:
            outstanding -= 1
    return deliveries
