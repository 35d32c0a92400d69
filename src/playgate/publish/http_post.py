"""POST one JSON body to an HTTP sink, retrying 429, 5xx and network errors with backoff in the time left.

A send never waits past the invocation's deadline (``timeout_s``, what ``Publisher`` passes) nor past the
sink's own ``retry_for`` budget. ``Retry-After`` is honoured when it fits. What retrying cannot fix
(another 4xx, a robot's "bad signature" answer, TLS to a server that does not speak it) is final at once:
``SinkRejected``. Each sink decides what its answer body means with a ``check(reply)`` callback.

The client is urllib3 (a core dependency, shared with the probe): one thread-safe pool per sink, no proxy
from the environment, no redirects, the system's CA bundle, at most ``MAX_REPLY_BYTES`` of an answer read.
"""

from __future__ import annotations

import json
import logging
import random
import re
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from playgate.errors import DeadlineExceeded, SinkRejected, SinkUnavailable
from playgate.log import redact_text
from playgate.publish.base import number_option

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_RETRY_FOR_S = 10.0
FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 2.0
MIN_ATTEMPT_S = 0.05  # an attempt with less time than this is not started
MAX_REPLY_BYTES = 64 * 1024  # robots answer a line of JSON; an error page is cut, not read whole
SNIPPET_CHARS = 200
# OpenSSL's words for "the other side does not speak TLS": a plain-HTTP server on an https:// URL
_NOT_TLS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNKNOWN_PROTOCOL")


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
    """One kept-alive pool per sink; thread-safe for the gate's worker threads."""

    def __init__(
        self, display: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, retry_for_s: float = DEFAULT_RETRY_FOR_S
    ):
        self.display = display
        self.timeout_s = timeout_s
        self.retry_for_s = retry_for_s
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=8, block=False, retries=False)

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
        """POST until accepted; no retry starts ``retry_for`` after the first attempt, and nothing runs
        past ``timeout_s`` (the time left). ``build()`` makes each attempt's request anew (signatures
        carry a time)."""
        started = time.monotonic()
        hard = started + (self.retry_for_s + self.timeout_s if timeout_s is None else timeout_s)
        retry_until = min(hard, started + self.retry_for_s)
        attempt = 0
        while True:
            attempt += 1
            left = hard - time.monotonic()
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
                if not error.retry_now:
                    raise
                wait = _backoff(attempt, error.retry_after_s)
                if time.monotonic() + wait + MIN_ATTEMPT_S >= retry_until:
                    raise SinkUnavailable(
                        f"{error.message} (gave up after {attempt} attempt(s) within the time left)",
                        code=error.code,
                    ) from None
                time.sleep(wait)

    def _once(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Reply:
        until = time.monotonic() + timeout_s
        try:
            answer = self._pool.request(
                "POST",
                url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
                redirect=False,
                retries=False,
                preload_content=False,
            )
            try:
                content = _read(answer, until)
            finally:
                answer.release_conn()
        except HTTPError as error:
            raise unreachable(self.display, error, timeout_s) from None
        return Reply(answer.status, content, {k.lower(): v for k, v in answer.headers.items()})

    def close(self) -> None:
        self._pool.clear()


def _read(answer: Any, until: float) -> bytes:
    """At most ``MAX_REPLY_BYTES`` of the answer, read until ``until``: the rest is left unread."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_REPLY_BYTES:
        chunk = answer.read1(MAX_REPLY_BYTES - size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > until:
            break
    answer.close()  # cut short: the connection is not reused
    return b"".join(chunks)


def unreachable(display: str, error: HTTPError, timeout_s: float) -> SinkUnavailable | SinkRejected:
    """A urllib3 failure as one line that says what happened; the exception text (with the URL) is dropped."""
    cause: BaseException = error
    while isinstance(reason := getattr(cause, "reason", None), BaseException) and reason is not cause:
        cause = reason  # urllib3 wraps: the innermost error says what happened
    if isinstance(cause, NewConnectionError):  # first: urllib3 derives it from its connect timeout
        detail = "connection refused" if "refused" in str(cause).lower() else "no connection"
        return SinkUnavailable(f"sink {display}: cannot connect to the receiver ({detail})", code="network")
    if isinstance(cause, Urllib3Timeout | TimeoutError):
        return SinkUnavailable(f"sink {display}: no answer within {timeout_s:.1f} s", code="timeout")
    if isinstance(cause, SSLError | ssl.SSLError):
        return _tls_failure(display, cause)
    if isinstance(cause, ProtocolError):
        return SinkUnavailable(
            f"sink {display}: the receiver closed the connection without an answer", code="network"
        )
    return SinkUnavailable(
        f"sink {display}: cannot reach the receiver ({type(cause).__name__})", code="network"
    )


def _tls_failure(display: str, cause: BaseException) -> SinkUnavailable | SinkRejected:
    """TLS to a plain-HTTP server or a certificate that does not verify is configuration: final."""
    text = str(cause)
    scheme = display.partition("://")[0]
    plain = {"https": "http://", "eventbridge": "?endpoint=http://…"}.get(scheme, f"{scheme}+http://")
    if any(word in text.upper() for word in _NOT_TLS):
        return SinkRejected(
            f"configuration error: sink {display}: the receiver does not speak HTTPS (TLS failed: "
            f"{_tls_words(text)}); for a plain-HTTP receiver (a local test) write {plain}",
            code="tls",
        )
    if "CERTIFICATE_VERIFY_FAILED" in text.upper():
        return SinkRejected(
            f"configuration error: sink {display}: the receiver's certificate does not verify against the "
            f"system's CA bundle ({_tls_words(text)})",
            code="tls",
        )
    return SinkUnavailable(f"sink {display}: TLS failed ({_tls_words(text)})", code="tls")


def _tls_words(text: str) -> str:
    found = re.search(r"\[SSL: ([A-Z_]+)\][^(]*|certificate verify failed: [^(]*", text)
    return " ".join((found.group(0) if found else text.split("(_ssl")[0]).split())[:120]


def classify(display: str, reply: Reply) -> None:
    """2xx passes; 408, 425, 429 and 5xx are worth retrying; any other status is final."""
    if 200 <= reply.status < 300:
        return
    snippet = body_summary(reply)
    if reply.status in (408, 425, 429) or reply.status >= 500:
        error = SinkUnavailable(
            f"sink {display}: HTTP {reply.status} {snippet}".rstrip(), code=str(reply.status)
        )
        error.retry_after_s = _retry_after(reply.headers.get("retry-after"))
        raise error
    hint = " (check the URL and its credentials)" if reply.status in (401, 403, 404) else ""
    raise SinkRejected(
        f"sink {display}: HTTP {reply.status}{hint}: {snippet}".rstrip(), code=str(reply.status)
    )


def body_summary(reply: Reply) -> str:
    """The answer's body on one line: an HTML page by its title, other text with its whitespace folded;
    redacted (receivers echo what they got) and cut to ``SNIPPET_CHARS``."""
    text = reply.body[:8192].decode("utf-8", "replace")
    if "html" in reply.headers.get("content-type", "").lower() or text.lstrip()[:1] == "<":
        found = re.search(r"<title[^>]*>(.*?)</title>|<h1[^>]*>(.*?)</h1>", text, re.I | re.S)
        heading = re.sub(r"<[^>]+>", " ", (found.group(1) or found.group(2)) if found else "")
        text = f"(an HTML page: {heading})" if heading.strip() else "(an HTML page)"
    text = " ".join(text.split())
    if len(text) > SNIPPET_CHARS:
        text = text[: SNIPPET_CHARS - 1] + "…"
    return redact_text(text)


class _DropQueries(logging.Filter):
    """urllib3 logs request lines at debug level with the full URL: a robot's token is in its query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] if isinstance(a, str) else a for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_DropQueries())


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
