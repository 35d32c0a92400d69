"""``mns-queue://NAME`` and ``mns-topic://NAME`` — send events with the official aliyun-mns-sdk.

Options (URL query): ``endpoint=http(s)://<account>.mns.<region>.aliyuncs.com`` (else
``PLAYGATE_MNS_ENDPOINT``), ``timeout=5`` (seconds, connect and read), ``max_bytes=65536`` (the queue's or
topic's MaximumMessageSize), and for queues ``base64=true``.

Encoding: queue messages are sent **base64-encoded** (the SDK's default and what MNS recommends against
XML-hostile characters); an FC MNS trigger with ``IsBase64Decode`` on (the default) and the SDK's
``receive_message`` hand consumers the JSON text again. ``?base64=false`` sends the JSON as plain XML text
instead. Topic messages are always plain JSON text (the SDK has no encoding for topics), which is what a
STREAM subscription delivers. Oversized events are shortened by :func:`fit_to_limit` for that encoding.

Errors: a refused connection, a timeout or an MNS 5xx / throttling answer raises ``SinkUnavailable``
(retryable: the event is delivered again later). A missing queue or topic, rejected credentials or a
refused message raise ``SinkRejected`` (final), naming the queue and what to fix. A network error that is
not a timeout is retried once at once (a keep-alive connection that died while FC froze the instance); a
message sent twice that way carries the same CloudEvent id, which consumers deduplicate on.

Time: ``timeout`` bounds each connect and each read; a send with a deadline is bounded in total too (a
server answering one byte a second is cut at the deadline): the SDK's connection reads and writes through
a socket that refuses to wait past the deadline of the send in progress.
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from playgate.errors import ConfigError, DeadlineExceeded, PlaygateError, SinkRejected, SinkUnavailable
from playgate.ice.credentials import Credentials
from playgate.log import redact_text
from playgate.publish.base import bool_option, number_option, url_options
from playgate.publish.size import MNS_MAX_MESSAGE_BYTES, encode_event, fit_to_limit

Kind = Literal["queue", "topic"]

DEFAULT_TIMEOUT_S = 5.0
_NETWORK = "NetWorkException"  # the SDK's type for connection errors and timeouts
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,255}$")
_MISSING = {"QueueNotExist": "queue", "TopicNotExist": "topic"}
_AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidAuthorizationHeader",
        "MissingAuthorizationHeader",
        "SecurityTokenMalformed",
    }
)
_REQUEST_CODES = frozenset(
    {
        "InvalidArgument",
        "MalformedXML",
        "InvalidDegist",
        "InvalidRequestURL",
        "InvalidQueryString",
        "InvalidDateHeader",
        "MissingDateHeader",
        "MessageBodyTooLarge",
    }
)


class MnsSink:
    """One queue or topic. ``send`` is thread-safe (the SDK holds one HTTP connection per account)."""

    def __init__(
        self,
        kind: Kind,
        name: str,
        endpoint: str,
        credentials: Callable[[], Credentials | None],
        *,
        base64: bool = True,
        max_bytes: int = MNS_MAX_MESSAGE_BYTES,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        from mns.account import Account

        self.kind, self.name, self.endpoint = kind, name, endpoint.rstrip("/")
        self.url = f"mns-{kind}://{name}"
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.encoding: Literal["base64", "xml"] = "base64" if kind == "queue" and base64 else "xml"
        self._credentials = credentials
        self._lock = threading.Lock()
        self._account = Account(self.endpoint, credentials_provider=_Provider(self))
        self._clock = _Clock()
        _bound_connection(self._account.mns_client.http, self._clock)
        _set_timeout(self._account.mns_client, timeout_s)
        self.current_credentials()  # fail at open, not at the first event
        if kind == "queue":
            self._target: Any = self._account.get_queue(name)
            self._target.set_encoding(base64)
        else:
            self._target = self._account.get_topic(name)

    def current_credentials(self) -> Credentials:
        found = self._credentials()
        if found is None:
            raise ConfigError(
                f"sink {self.url} has no credentials: set PLAYGATE_ACCESS_KEY_ID and "
                "PLAYGATE_ACCESS_KEY_SECRET, give the FC service a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID "
                "and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
            )
        return found

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        event = fit_to_limit(event, self.max_bytes, encoding=self.encoding)
        body = encode_event(event).decode("utf-8")
        until = None if timeout_s is None else time.monotonic() + timeout_s
        with self._lock:
            try:
                self._send_once(body, until)
            except SinkUnavailable as first:
                if first.code != _NETWORK or "timed out" in first.message:
                    raise
                self._send_once(body, until)

    def _send_once(self, body: str, until: float | None) -> None:
        """One request, waiting no longer than the sink's timeout nor past ``until``."""
        timeout_s = self.timeout_s if until is None else min(self.timeout_s, until - time.monotonic())
        if timeout_s <= 0:
            raise DeadlineExceeded(f"sink {self.url}: no time left to send; the event will be retried")
        _set_timeout(self._account.mns_client, timeout_s)
        self._clock.until = until
        try:
            self._request(body)
        finally:
            self._clock.until = None
            _set_timeout(self._account.mns_client, self.timeout_s)

    def _request(self, body: str) -> None:
        from mns.mns_exception import MNSClientNetworkException, MNSServerException
        from mns.queue import Message
        from mns.topic import TopicMessage

        try:
            if self.kind == "queue":
                self._target.send_message(Message(body))
            else:
                self._target.publish_message(TopicMessage(body))
        except PlaygateError:
            raise
        except MNSServerException as error:
            raise self._server_error(error) from None
        except MNSClientNetworkException as error:
            raise SinkUnavailable(
                f"sink {self.url}: MNS at {self.endpoint} is unreachable "
                f"({redact_text(str(error.message))}); the event will be retried",
                code=error.type,
            ) from None
        except Exception as error:  # MNSClientParameterException and anything unforeseen in the SDK
            raise SinkRejected(
                f"sink {self.url}: the MNS SDK refused the message ({redact_text(str(error))})",
                code=type(error).__name__,
            ) from None

    def _server_error(self, error: Any) -> PlaygateError:
        code = str(error.type)
        detail = redact_text(f"{code}: {error.message} (request {error.request_id})")
        where = f"sink {self.url} at {self.endpoint}"
        if code in _MISSING:
            return SinkRejected(
                f"{where}: the {_MISSING[code]} {self.name!r} does not exist ({detail}); "
                "create it or fix the sink URL",
                code=code,
                request_id=error.request_id,
            )
        if code in _AUTH_CODES:
            origin = self._credentials_origin()
            return SinkRejected(
                f"{where}: MNS rejected the credentials from {origin} ({detail}); check the access key and "
                f"that the role allows mns:{'SendMessage' if self.kind == 'queue' else 'PublishMessage'} on "
                f"{self.kind} {self.name}",
                code=code,
                request_id=error.request_id,
            )
        if code in _REQUEST_CODES:
            return SinkRejected(f"{where}: MNS rejected the message ({detail})", code=code)
        return SinkUnavailable(
            f"{where}: MNS could not take the message now ({detail}); the event will be retried",
            code=code,
            request_id=error.request_id,
        )

    def _credentials_origin(self) -> str:
        found = self._credentials()
        return found.source if found else "nowhere"

    def close(self) -> None:
        self._account.mns_client.close_connection()


class _Provider:
    """The SDK asks for credentials on every request: FC's STS credentials can be rotated in between."""

    def __init__(self, sink: MnsSink) -> None:
        self._sink = sink

    def get_credentials(self) -> Any:
        from mns.auth import Credentials as SdkCredentials

        found = self._sink.current_credentials()
        return SdkCredentials(found.access_key_id, found.access_key_secret, found.security_token or "")


class _Clock:
    """The instant (``time.monotonic()``) by which the send in progress must be done; None: no deadline."""

    until: float | None = None


# a mixin over the socket classes below; the type checker sees what it mixes into
if TYPE_CHECKING:
    _Socket = socket.socket
else:
    _Socket = object


class _DeadlineSocket(_Socket):
    """Mixed into the connection's socket class: every read and write waits at most until the deadline."""

    clock: _Clock | None = None

    def _bound(self) -> None:
        until = self.clock.until if self.clock is not None else None
        if until is None:
            return
        left = until - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out: no time left before the function's deadline")
        current = self.gettimeout()
        if current is None or left < current:
            self.settimeout(left)

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        self._bound()
        return super().recv_into(*args, **kwargs)

    def recv(self, *args: Any, **kwargs: Any) -> bytes:
        self._bound()
        return super().recv(*args, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> int:
        self._bound()
        return super().send(*args, **kwargs)

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        self._bound()
        return super().sendall(*args, **kwargs)


class _PlainDeadlineSocket(_DeadlineSocket, socket.socket):
    pass


class _TlsDeadlineSocket(_DeadlineSocket, ssl.SSLSocket):
    pass


def _bound_connection(http: Any, clock: _Clock) -> None:
    """Give the SDK's HTTP connection sockets that read the sink's clock (HTTP and HTTPS alike)."""
    from mns.mns_http import MNSHTTPConnection, MNSHTTPSConnection

    class PlainConnection(MNSHTTPConnection):
        sock: socket.socket

        def connect(self) -> None:
            super().connect()
            plain = self.sock
            timeout = plain.gettimeout()
            bound = _PlainDeadlineSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
            bound.settimeout(timeout)
            bound.clock = clock
            self.sock = bound

    class TlsConnection(MNSHTTPSConnection):
        def connect(self) -> None:
            self._context.sslsocket_class = _TlsDeadlineSocket
            super().connect()
            self.sock.clock = clock

    http.conn.close()
    if http.is_https:
        http.conn = TlsConnection(http.host)
    else:
        http.conn = PlainConnection(http.host, connection_timeout=http.connection_timeout)


def _set_timeout(client: Any, timeout_s: float) -> None:
    """Bound connect and read, on the kept-alive socket too (the SDK's own setter reconnects every time)."""
    conn = client.http.conn
    if client.http.is_https:  # the SDK's HTTPS connection takes no timeout argument
        conn.timeout = timeout_s
    else:
        conn.connection_timeout = timeout_s
    if getattr(conn, "sock", None) is not None:
        conn.sock.settimeout(timeout_s)


def open_mns(url: str, settings: Any, credentials: Callable[[], Credentials | None]) -> MnsSink:
    parts = urlsplit(url)
    kind: Kind = "queue" if parts.scheme == "mns-queue" else "topic"
    name = parts.netloc or parts.path.lstrip("/")
    if not _NAME.match(name):
        raise ConfigError(
            f"sink {url!r}: {name!r} is not an MNS {kind} name (a letter, then letters, digits or '-', "
            "at most 256 characters)"
        )
    allowed = {"endpoint", "timeout", "max_bytes"} | ({"base64"} if kind == "queue" else set())
    options = url_options(url, allowed)
    endpoint = options.get("endpoint") or getattr(settings, "mns_endpoint", None)
    if not endpoint:
        raise ConfigError(
            f"sink {url!r} needs an MNS endpoint: set PLAYGATE_MNS_ENDPOINT "
            "(http(s)://<account-id>.mns.<region>.aliyuncs.com) or add ?endpoint=… to the sink URL"
        )
    if not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"sink {url!r}: MNS endpoint {endpoint!r} must start with http:// or https://")
    return MnsSink(
        kind,
        name,
        endpoint,
        credentials,
        base64=bool_option(url, "base64", options.get("base64"), True),
        max_bytes=int(
            number_option(
                url, "max_bytes", options.get("max_bytes"), MNS_MAX_MESSAGE_BYTES, low=1024, high=65536
            )
        ),
        timeout_s=number_option(url, "timeout", options.get("timeout"), DEFAULT_TIMEOUT_S, low=0.1, high=120),
    )
