"""What the chat-robot sinks share: a human message per event, a rate window, and the digest of a burst.

A robot takes at most ``per_minute`` messages in any 60 s (DingTalk and WeCom: 20, then DingTalk blocks
the robot for ten minutes). The last slot of each window is kept for a digest: once the others are used,
further events are *digested* — accepted at once (the sink took them; they are in the primary sink too)
and sent together as one message when a slot is free: before the next message to the robot, or when
the publisher flushes at the end of an invocation. A burst of 200 alerts is thus 19 messages and one
digest in the first minute, never a blocked robot and never a stalled gate. The window is kept in the
idempotency store (SQLite or Redis) when the publisher has one, and so are the events waiting for the
digest: every FC instance counts the same sends, and whichever instance next finds a free slot sends one
digest with all of them.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from playgate.errors import PlaygateError, SinkRejected
from playgate.log import get_logger, redact_text
from playgate.publish.base import number_option
from playgate.publish.http_post import HttpPoster, Reply, Request
from playgate.publish.sink_url import SinkUrl
from playgate.publish.templates import Templates
from playgate.store.base import HeldItems, RateSlots

WINDOW_S = 60.0
MAX_PENDING = 500  # a digest lists this many at most; every alert is in the primary sink anyway
HELD_S = 24 * 3600.0  # a digest nobody could send in a day is dropped from the store
ROBOT_OPTIONS = {"secret", "per_minute", "timeout", "retry_for"}


class RateWindow:
    """Sliding 60 s window of sends; ``take(keep)`` leaves ``keep`` slots free for the digest."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sent: deque[float] = deque()

    def take(self, keep: int = 0) -> bool:
        now = self._clock()
        while self._sent and self._sent[0] <= now - WINDOW_S:
            self._sent.popleft()
        if len(self._sent) + keep >= self.per_minute:
            return False
        self._sent.append(now)
        return True


class SharedWindow:
    """The robot's window kept in the idempotency store, so every FC instance counts the same sends.

    A store that cannot answer falls back to this instance's own window: the robot is not worth an event.
    """

    def __init__(self, store: RateSlots, name: str, local: RateWindow) -> None:
        self.store, self.name, self.local = store, name, local
        self.per_minute = local.per_minute

    def take(self, keep: int = 0) -> bool:
        try:
            return bool(self.store.take_slot(self.name, self.per_minute, window_s=WINDOW_S, keep=keep))
        except PlaygateError as error:
            get_logger().warning("robot.window_unshared", name=self.name, error=error.message)
            return self.local.take(keep)


class LocalPending:
    """Events waiting for the digest, in this instance."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._events = [*self._events, event][-MAX_PENDING:]

    def take_all(self) -> list[dict[str, Any]]:
        with self._lock:
            events, self._events = self._events, []
            return events

    def put_back(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            self._events = [*events, *self._events][-MAX_PENDING:]

    def count(self) -> int:
        return len(self._events)


class SharedPending(LocalPending):
    """Events waiting for the digest, in the idempotency store: whichever instance next has a free slot
    sends them all. What the store cannot take waits in this instance instead."""

    def __init__(self, store: HeldItems, name: str) -> None:
        super().__init__()
        self.store, self.name = store, name

    def add(self, event: dict[str, Any]) -> None:
        try:
            self.store.push_item(
                self.name, json.dumps(_digest_line(event)), max_items=MAX_PENDING, ttl_s=HELD_S
            )
        except PlaygateError:
            super().add(event)

    def take_all(self) -> list[dict[str, Any]]:
        mine = super().take_all()
        try:
            return mine + [json.loads(item) for item in self.store.take_items(self.name)]
        except PlaygateError:
            return mine

    def put_back(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.add(event)

    def count(self) -> int:
        try:
            return super().count() + self.store.count_items(self.name)
        except PlaygateError:
            return super().count()


def _digest_line(event: dict[str, Any]) -> dict[str, Any]:
    """What a digest shows of an event: enough for its line, nothing more (it is kept in the store)."""
    data = event.get("data") or {}
    keep = ("media_id", "title", "reason", "job_id", "severity", "profile")
    return {
        "id": event.get("id"),
        "type": event.get("type"),
        "subject": event.get("subject"),
        "data": {k: data[k] for k in keep if data.get(k) is not None},
    }


class RobotSink:
    """Subclasses say how a message is built (``request``) and what the robot's answer means (``check``)."""

    name = "robot"
    default_per_minute = 20
    max_text_bytes = 4096  # of a message's markdown, as the robot takes it

    def __init__(self, url: SinkUrl, templates: Templates) -> None:
        self.url = url.display
        self.target = url.target
        self.secret = url.options.get("secret") or None
        self.templates = templates
        per_minute = number_option(
            url.display,
            "per_minute",
            url.options.get("per_minute"),
            self.default_per_minute,
            low=2,
            high=1000,
        )
        self.window: RateWindow | SharedWindow = RateWindow(int(per_minute))
        self.poster = HttpPoster.from_options(url.display, url.options)
        self._lock = threading.Lock()
        self.held: LocalPending = LocalPending()

    # --- the sink ------------------------------------------------------------------------------------
    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        try:
            self._flush(timeout_s, keep=1)  # a digest waiting from an earlier window goes first
        except PlaygateError as error:  # it stays pending; this event does not wait on it
            get_logger().warning("digest.not_sent", sink=self.url, reason=error.reason, error=error.message)
        with self._lock:
            single = self.window.take(keep=1)
        if single:
            self._post(*self.templates.render(event), event, timeout_s)
        else:
            self.held.add(event)
            get_logger().debug("robot.digested", sink=self.url, id=event.get("id"))

    def flush(self, *, timeout_s: float | None = None) -> int:
        """Send the pending digest if the window has a slot; returns how many events it carried."""
        return self._flush(timeout_s, keep=0)

    def _flush(self, timeout_s: float | None, *, keep: int) -> int:
        if not self.held.count():
            return 0
        with self._lock:
            if not self.window.take(keep=keep):
                return 0
        events = self.held.take_all()
        if not events:  # another instance sent them a moment ago
            return 0
        try:
            self._post(*self.digest(events), events[-1], timeout_s)
        except Exception:
            self.held.put_back(events)  # the next flush tries again
            raise
        return len(events)

    def digest(self, events: list[dict[str, Any]]) -> tuple[str, str]:
        """The digest's title and text. Cut to the robot's limit, it lists the first events that fit and
        says how many it left out (every one is in the primary sink)."""
        title, text = self.templates.render_digest(events)
        if _fits(text, self.max_text_bytes):
            return title, text
        low, high = 1, len(events) - 1  # the most events listed that fit with the note
        while low < high:
            middle = (low + high + 1) // 2
            if _fits(self._cut_digest(events, middle), self.max_text_bytes):
                low = middle
            else:
                high = middle - 1
        return title, self._cut_digest(events, low)

    def _cut_digest(self, events: list[dict[str, Any]], shown: int) -> str:
        text = self.templates.render_digest(events[:shown], total=len(events))[1]
        return (
            f"{text}\n\n… and {len(events) - shown} more not listed here (cut to fit the robot's limit); "
            "every alert is in the primary sink"
        )

    def share_window(self, store: object) -> None:
        """Keep this robot's window and digest in ``store``: one per robot across every instance."""
        name = "robot-" + hashlib.sha256(self.target.encode()).hexdigest()[:24]  # the token stays out
        if isinstance(store, RateSlots) and isinstance(self.window, RateWindow):
            self.window = SharedWindow(store, name, self.window)
        if isinstance(store, HeldItems) and not isinstance(self.held, SharedPending):
            self.held = SharedPending(store, name)

    @property
    def pending(self) -> int:
        return self.held.count()

    def close(self) -> None:
        self.poster.close()

    # --- per robot -----------------------------------------------------------------------------------
    def request(self, title: str, text: str, event: dict[str, Any]) -> Request:
        raise NotImplementedError

    def check(self, reply: Reply) -> None:
        raise NotImplementedError

    def _post(self, title: str, text: str, event: dict[str, Any], timeout_s: float | None) -> None:
        self.poster.post(lambda: self.request(title, text, event), timeout_s=timeout_s, check=self.check)

    def rejected_signature(self, code: Any, message: str) -> SinkRejected:
        return SinkRejected(
            f"configuration error: the {self.name} robot at {self.url} refused the message's security check "
            f"({code}: {message}). Check the signing secret (secret=${{VAR}}), the robot's keyword and IP "
            "settings; the message is not retried.",
            code=str(code),
        )


def _fits(text: str, max_bytes: int) -> bool:
    return len(text.encode("utf-8")) <= max_bytes


def fit_text(text: str, max_bytes: int) -> str:
    """Cut a markdown text at a line boundary to fit ``max_bytes`` of UTF-8, saying that it was cut."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    note = "\n\n… (cut to fit the robot's limit; the whole alert is in the primary sink)"
    budget = max_bytes - len(note.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = len(line.encode("utf-8")) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + note


def json_request(url: str, body: dict[str, Any]) -> Request:
    """A robot's POST: the body as UTF-8 JSON (Chinese text stays readable in the robots' logs)."""
    return url, json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json"}


def errcode(reply: Reply) -> tuple[Any, str]:
    """DingTalk's and WeCom's answer: ``(errcode, errmsg)``, the message redacted; (0, "") when absent."""
    answer = reply.json()
    if not isinstance(answer, dict):
        return 0, ""
    return answer.get("errcode", 0), redact_text(str(answer.get("errmsg", "")))
