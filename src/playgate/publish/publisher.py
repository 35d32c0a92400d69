"""Route each CloudEvent to its sinks: ``playback.ready`` and ``qc.passed`` → ``PLAYGATE_PLAYBACK_SINK``,
``qc.alert`` → ``PLAYGATE_ALERT_SINK``, dead letters → ``PLAYGATE_DEAD_LETTER_SINK``.

A setting may list several sinks (:mod:`.routes`). ``publish`` returns only when every *required* sink
that wants the message took it, else raises (a final failure before a retryable one, so the event is
dead-lettered and replayable rather than redelivered forever); best-effort sinks go last and their
failures are only logged. A best-effort sink gets a small share of the time left
(``BEST_EFFORT_SHARE``, at most ``BEST_EFFORT_S``), and once it failed for want of an answer it is not
tried again for ``BENCH_S``: a robot that is down costs one short try a minute, not every event's time.
With several sinks, each
delivery is recorded in the idempotency store under the CloudEvent id, so a redelivery or a dead-letter
replay sends the same message (same id) only where it has not been delivered yet.

Sinks open on first use and stay open for the life of the FC instance; two settings naming the same URL
share one sink. ``publisher.context`` may be replaced per invocation: MNS sinks read credentials from it
on every request, so FC's rotated STS credentials are picked up.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from typing import TYPE_CHECKING, Any

from playgate.errors import ConfigError, DeadlineExceeded, PlaygateError, SinkUnavailable
from playgate.ice.credentials import resolve_credentials
from playgate.log import get_logger, redact_text
from playgate.publish.base import HoldsBack, SharesWindow, Sink, UsesStore
from playgate.publish.cloudevents import DEAD_LETTER, PLAYBACK_READY, QC_ALERT, QC_PASSED
from playgate.publish.dead_letter import make_dead_letter
from playgate.publish.routes import Route, parse_routes
from playgate.publish.sink_url import display_url
from playgate.publish.sinks import open_sink
from playgate.store.base import DeliveryRecord, IdempotencyStore

if TYPE_CHECKING:
    from playgate.ice.credentials import Credentials
    from playgate.settings import Settings

# One CloudEvent to every sink that wants it: (setting, event, deadline, delivery record, sinks done)
Job = tuple[str, dict[str, Any], float | None, DeliveryRecord | None, set[str]]

MIN_SEND_S = 0.05  # a send that cannot even start a round trip in this time is not begun
BEST_EFFORT_SHARE = 0.1  # of the time left: what a best-effort send (or a digest) may take,
BEST_EFFORT_S = 5.0  # ... and at most this (one request at the robots' default timeout)
BENCH_S = 60.0  # a best-effort sink that could not be reached is left alone this long

ROUTES = {
    PLAYBACK_READY: "playback_sink",
    QC_PASSED: "playback_sink",
    QC_ALERT: "alert_sink",
    DEAD_LETTER: "dead_letter_sink",
}


class Publisher:
    def __init__(
        self,
        settings: Settings,
        context: Any = None,
        *,
        opener: Callable[..., Sink] = open_sink,
        deliveries: IdempotencyStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.context = context
        self.source = f"playgate/{settings.function_name}"
        self._opener = opener
        self._sinks: dict[str, Sink] = {}
        self._holding: dict[str, HoldsBack] = {}  # the sinks that hold messages back until a flush
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._clock = clock
        self._benched: dict[str, float] = {}  # best-effort sink URL → when it may be tried again
        # the idempotency store: it records deliveries per sink and keeps the robots' rate windows
        self.store = deliveries
        self.deliveries = deliveries if isinstance(deliveries, DeliveryRecord) else None

    def routes_for(self, event_type: str) -> list[Route]:
        setting = ROUTES.get(event_type)
        if setting is None:
            raise ConfigError(f"no route for event type {event_type!r}; playgate publishes {sorted(ROUTES)}")
        routes = parse_routes(f"PLAYGATE_{setting.upper()}", getattr(self.settings, setting))
        return sorted(routes, key=lambda route: route.best_effort)  # required sinks first

    def sink_for(self, event_type: str) -> Sink:
        """The first sink of the event type's setting."""
        setting = ROUTES.get(event_type, "alert_sink")
        return self.sink(setting, self.routes_for(event_type)[0].url)

    def sink(self, setting: str, url: str) -> Sink:
        with self._lock:
            if url not in self._sinks:
                sink = self._open(setting, url)
                if self.store is not None:  # one robot window for all instances; what ice://block blocked
                    if isinstance(sink, SharesWindow):
                        sink.share_window(self.store)
                    if isinstance(sink, UsesStore):
                        sink.use_store(self.store)
                if isinstance(sink, HoldsBack):
                    self._holding[url] = sink
                self._sinks[url] = sink
            return self._sinks[url]

    def _open(self, setting: str, url: str) -> Sink:
        try:
            return self._opener(url, self.settings, self.context, credentials=self._credentials)
        except ConfigError as error:
            raise ConfigError(f"PLAYGATE_{setting.upper()}={redact_text(url)}: {error.message}") from error

    def _credentials(self) -> Credentials | None:
        return resolve_credentials(self.settings, self.context)

    def publish(self, event: dict[str, Any], *, deadline: float | None = None) -> str:
        """Send one event to every sink that wants it; returns their URLs, comma-separated (no secrets).

        ``deadline`` (a ``time.monotonic()`` instant) bounds the sends: none starts with less than
        ``MIN_SEND_S`` left, and a network sink waits at most until then.
        """
        setting = ROUTES.get(event["type"], "")
        routes = [route for route in self.routes_for(event["type"]) if route.wants(event)]
        record = self.deliveries if len(routes) > 1 else None
        done: set[str] = record.delivered_sinks(event["id"]) if record else set()
        if len(routes) > 1:  # in parallel: a slow or failing sink does not eat the others' time
            results = list(
                self._pool().map(
                    _in_context(self._deliver), routes, repeat((setting, event, deadline, record, done))
                )
            )
        else:
            results = [self._deliver(route, (setting, event, deadline, record, done)) for route in routes]
        failures = [error for route, _, error in results if error is not None and not route.best_effort]
        if failures:
            raise next((f for f in failures if not f.retryable), failures[0])
        return ",".join(url for _, url, error in results if error is None) or "(no sink wanted it)"

    def _deliver(self, route: Route, job: Job) -> tuple[Route, str, PlaygateError | None]:
        setting, event, deadline, record, done = job
        if route.best_effort and self._is_benched(route.url):
            get_logger().info("message.skipped", id=event["id"], sink=display_url(route.url), why="benched")
            return route, "", SinkUnavailable(f"sink {display_url(route.url)} failed a moment ago: skipped")
        try:
            sink = self.sink(setting, route.url)
            if sink.url not in done:
                self._send(sink, event, self._send_by(deadline) if route.best_effort else deadline)
                if record:
                    record.mark_delivered(event["id"], sink.url, ttl_s=self.settings.completed_ttl_s)
            return route, sink.url, None
        except PlaygateError as error:
            if route.best_effort and error.retryable:
                self._bench(route.url)
            get_logger().warning(
                "message.not_sent",
                message_type=event["type"],
                id=event["id"],
                sink=display_url(route.url),
                best_effort=route.best_effort,
                reason=error.reason,
                error=error.message,
            )
            return route, "", error

    def _send_by(self, deadline: float | None) -> float:
        """The deadline of a best-effort send: a share of the time left, never the whole of it."""
        now = self._clock()
        if deadline is None:
            return now + BEST_EFFORT_S
        return now + min(max(0.0, deadline - now) * BEST_EFFORT_SHARE, BEST_EFFORT_S)

    def _is_benched(self, url: str) -> bool:
        with self._lock:
            return self._benched.get(url, 0.0) > self._clock()

    def _bench(self, url: str) -> None:
        with self._lock:
            self._benched[url] = self._clock() + BENCH_S
        get_logger().warning("sink.benched", sink=display_url(url), for_s=BENCH_S)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="playgate-sink")
            return self._executor

    def _send(self, sink: Sink, event: dict[str, Any], deadline: float | None) -> None:
        timeout_s = None
        if deadline is not None:
            timeout_s = deadline - self._clock()
            if timeout_s < MIN_SEND_S:
                raise DeadlineExceeded(
                    f"no time left to send {event['type']} to {sink.url} before the function times out; "
                    "the event will be retried"
                )
        sink.send(event, timeout_s=timeout_s)
        get_logger().debug("message.sent", message_type=event["type"], id=event["id"], sink=sink.url)

    def flush(self, *, deadline: float | None = None) -> None:
        """Send what sinks hold back (a robot's digest of a burst); called at the end of an invocation.
        A digest is best effort: a share of the time left, and not to a benched sink."""
        with self._lock:
            sinks = [(url, self._sinks[url], holding) for url, holding in self._holding.items()]
        for url, sink, holding in sinks:
            if self._is_benched(url):
                continue
            timeout_s = None if deadline is None else self._send_by(deadline) - self._clock()
            if timeout_s is not None and timeout_s < MIN_SEND_S:
                return
            try:
                holding.flush(timeout_s=timeout_s)
            except PlaygateError as error:  # the digest waits for the next flush; the alerts are elsewhere
                get_logger().warning(
                    "digest.not_sent", sink=sink.url, reason=error.reason, error=error.message
                )
                if error.retryable:
                    self._bench(url)

    def dead_letter(
        self,
        reason: str,
        error: dict[str, Any] | None,
        payload: Any,
        *,
        delivery_id: str | None = None,
        deadline: float | None = None,
    ) -> str:
        """Record a final failure with its redacted payload; returns the dead-letter sink's URL."""
        event = make_dead_letter(reason, error, payload, source=self.source, delivery_id=delivery_id)
        return self.publish(event, deadline=deadline)

    def close(self) -> None:
        self.flush()
        with self._lock:
            sinks, self._sinks, self._holding = list(self._sinks.values()), {}, {}
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        for sink in sinks:
            sink.close()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _in_context(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``function`` in a worker thread with the caller's log context (event type, job, media)."""
    context = contextvars.copy_context()
    return lambda *args: context.copy().run(function, *args)
