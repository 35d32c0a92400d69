"""POST one JSON body to an HTTP sink, retrying 429, 5xx and network errors with backoff in the time left.

A send never waits past the invocation's deadline (``timeout_s``, what ``Publisher`` passes) nor past the
sink's own ``retry_for`` budget when there is no deadline (the CLI). ``Retry-After`` is honoured when it fits.
What retrying cannot fix (another 4xx, a robot's "bad signature" answer) is final at once: ``SinkRejected``.
Each sink decides what its answer body means with a ``check(reply)`` callback that raises or returns.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from playgate.errors import DeadlineExceeded, SinkRejected, SinkUnavailable
from playgate.log import redact_text
from playgate.publish.base import number_option

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_RETRY_FOR_S = 10.0
FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 2.0
MIN_ATTEMPT_S = 0.05  # an attempt with less time than this is not started


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


Request = tuple[str, bytes, dict[str, str]]  # url, body, headers


class NotNow(SinkUnavailable):
    """Retryable, but not within this send: e.g. a robot that blocks for ten minutes once rate limited."""

    retry_now = False


class HttpPoster:
    """One keep-alive session per sink; thread-safe for the gate's worker threads."""

    def __init__(
        self, display: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, retry_for_s: float = DEFAULT_RETRY_FOR_S
    ):
        self.display = display
        self.timeout_s = timeout_s
        self.retry_for_s = retry_for_s
        self._local = threading.local()

    @classmethod
    def from_options(cls, url: str, options: Mapping[str, Any], display: str | None = None) -> HttpPoster:
        """A poster with the sink URL's ``timeout`` and ``retry_for`` options (seconds); ``url`` names
        the sink in an error about them, ``display`` (default ``url``) in every other message."""
        timeout_s = number_option(url, "timeout", options.get("timeout"), DEFAULT_TIMEOUT_S, low=0.1, high=60)
        retry_for_s = number_option(
            url, "retry_for", options.get("retry_for"), DEFAULT_RETRY_FOR_S, low=0, high=600
        )
        return cls(display or url, timeout_s=timeout_s, retry_for_s=retry_for_s)

    def post(
        self,
        build: Callable[[], Request],
        *,
        timeout_s: float | None,
        check: Callable[[Reply], None] = lambda reply: None,
    ) -> Reply:
        """POST until accepted. ``build()`` makes each attempt's request anew (signatures carry a time)."""
        until = time.monotonic() + (self.retry_for_s if timeout_s is None else timeout_s)
        attempt = 0
        while True:
            attempt += 1
            left = until - time.monotonic()
            if left < MIN_ATTEMPT_S:
                raise DeadlineExceeded(
                    f"sink {self.display}: no time left to send; the event will be retried"
                )
            try:
                reply = self._once(*build(), min(self.timeout_s, left))
                classify(self.display, reply)
                check(reply)
                return reply
            except SinkUnavailable as error:
                if not getattr(error, "retry_now", True):
                    raise
                wait = _backoff(attempt, getattr(error, "retry_after_s", None))
                if time.monotonic() + wait + MIN_ATTEMPT_S >= until:
                    raise SinkUnavailable(
                        f"{error.message} (gave up after {attempt} attempt(s) within the time left)",
                        code=error.code,
                    ) from None
                time.sleep(wait)

    def _once(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Reply:
        session = self._session()
        try:
            answer = session.post(url, data=body, headers=headers, timeout=timeout_s, allow_redirects=False)
        except requests.Timeout:
            raise SinkUnavailable(
                f"sink {self.display}: no answer within {timeout_s:.1f} s", code="timeout"
            ) from None
        except requests.RequestException as error:
            raise SinkUnavailable(
                f"sink {self.display}: cannot reach the receiver ({type(error).__name__})", code="network"
            ) from None
        return Reply(answer.status_code, answer.content, {k.lower(): v for k, v in answer.headers.items()})

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # no proxy from the environment: the sink URL says where to go
        return session

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()


def classify(display: str, reply: Reply) -> None:
    """2xx passes; 408, 425, 429 and 5xx are worth retrying; any other status is final."""
    if 200 <= reply.status < 300:
        return
    snippet = redact_text(reply.body[:200].decode("utf-8", "replace"))  # receivers echo what they got
    if reply.status in (408, 425, 429) or reply.status >= 500:
        error = SinkUnavailable(
            f"sink {display}: HTTP {reply.status} {snippet}".rstrip(), code=str(reply.status)
        )
        error.retry_after_s = _retry_after(reply.headers.get("retry-after"))  # type: ignore[attr-defined]
        raise error
    hint = " (check the URL and its credentials)" if reply.status in (401, 403, 404) else ""
    raise SinkRejected(
        f"sink {display}: HTTP {reply.status}{hint}: {snippet}".rstrip(), code=str(reply.status)
    )


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _backoff(attempt: int, retry_after_s: float | None) -> float:
    if retry_after_s is not None:
        return retry_after_s
    base = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (attempt - 1))
    return base * (0.5 + random.random() / 2)  # jitter: instances hit by one outage do not retry in step
