"""Route each CloudEvent to its sink: ``playback.ready`` and ``qc.passed`` → ``PLAYGATE_PLAYBACK_SINK``,
``qc.alert`` → ``PLAYGATE_ALERT_SINK``, dead letters → ``PLAYGATE_DEAD_LETTER_SINK``.

Sinks open on first use and stay open for the life of the FC instance; two settings naming the same URL
share one sink. ``publisher.context`` may be replaced per invocation: MNS sinks read credentials from it
on every request, so FC's rotated STS credentials are picked up.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from playgate.errors import ConfigError, DeadlineExceeded
from playgate.ice.credentials import resolve_credentials
from playgate.log import get_logger, redact_text
from playgate.publish.base import Sink
from playgate.publish.cloudevents import DEAD_LETTER, PLAYBACK_READY, QC_ALERT, QC_PASSED
from playgate.publish.dead_letter import make_dead_letter
from playgate.publish.sinks import open_sink

MIN_SEND_S = 0.05  # a send that cannot even start a round trip in this time is not begun

ROUTES = {
    PLAYBACK_READY: "playback_sink",
    QC_PASSED: "playback_sink",
    QC_ALERT: "alert_sink",
    DEAD_LETTER: "dead_letter_sink",
}


class Publisher:
    def __init__(self, settings: Any, context: Any = None, *, opener: Any = open_sink) -> None:
        self.settings = settings
        self.context = context
        self.source = f"playgate/{settings.function_name}"
        self._opener = opener
        self._sinks: dict[str, Sink] = {}
        self._lock = threading.Lock()

    def sink_for(self, event_type: str) -> Sink:
        setting = ROUTES.get(event_type)
        if setting is None:
            raise ConfigError(f"no route for event type {event_type!r}; playgate publishes {sorted(ROUTES)}")
        url = getattr(self.settings, setting)
        with self._lock:
            if url not in self._sinks:
                self._sinks[url] = self._open(setting, url)
            return self._sinks[url]

    def _open(self, setting: str, url: str) -> Sink:
        try:
            return self._opener(url, self.settings, self.context, credentials=self._credentials)
        except ConfigError as error:
            raise ConfigError(f"PLAYGATE_{setting.upper()}={redact_text(url)}: {error.message}") from error

    def _credentials(self) -> Any:
        return resolve_credentials(self.settings, self.context)

    def publish(self, event: dict[str, Any], *, deadline: float | None = None) -> str:
        """Send one event to its sink; returns the sink's URL (no secrets in it).

        ``deadline`` (a ``time.monotonic()`` instant) bounds the send: none starts with less than
        ``MIN_SEND_S`` left, and a network sink waits at most until then.
        """
        sink = self.sink_for(event["type"])
        timeout_s = None
        if deadline is not None:
            timeout_s = deadline - time.monotonic()
            if timeout_s < MIN_SEND_S:
                raise DeadlineExceeded(
                    f"no time left to send {event['type']} to {sink.url} before the function times out; "
                    "the event will be retried"
                )
        sink.send(event, timeout_s=timeout_s)
        get_logger().debug("message.sent", message_type=event["type"], id=event["id"], sink=sink.url)
        return sink.url

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
        with self._lock:
            sinks, self._sinks = list(self._sinks.values()), {}
        for sink in sinks:
            sink.close()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
