"""HTTP for the probe: what viewers' players would fetch, under the gate's safety and time rules.

- Only http and https; at most ``max_redirects`` redirects, each target checked like the first URL.
- Every new connection resolves the host and refuses loopback, link-local, private and other non-public
  addresses and Alibaba Cloud's metadata service (100.100.100.200), then connects to the address it
  checked (no second lookup a DNS rebinding could change), unless the host is in ``allow_hosts``.
- Never starts a request that cannot finish before the deadline: each request's timeout is cut to the
  time left, and none starts with less than ``min_request_s`` left (``FetchError("no-time")``).
- Each request ends by one absolute time, whatever the server does: the DNS lookup waits no longer, and
  an alarm shuts the request's socket then (TLS handshake, headers and body alike), so a server that
  sends a byte now and then cannot hold it (urllib3's read timeout starts again with every byte).
- Bodies are read up to a cap; connections are kept alive per host; URLs are used exactly as given.
- Nothing here logs or raises a URL's query string (signed URLs): see :func:`public_url`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.connection import create_connection

from playgate.log import redact_text

METADATA_SERVICE = ipaddress.ip_address("100.100.100.200")
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "playgate-probe/1"
DNS_TIMEOUT_S = 5.0  # a lookup made outside a Fetcher's request (GuardProxy) waits no longer
_LENGTH = re.compile(r"[0-9]{1,18}")  # ASCII digits only ("²".isdigit()); 10^18 bytes is plenty
T = TypeVar("T")
R = TypeVar("R")


def public_url(url: str) -> str:
    """The URL without user info, query or fragment, and a signature in its path (CDN URL signing types
    B and C) redacted: safe to log and to put in a finding."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return redact_text(f"{parts.scheme}://{host}{port}{parts.path}")


class FetchError(Exception):
    """A request that did not give a response. ``kind`` is the word findings show.

    kinds: timeout, refused (connection refused), connection, dns, tls, blocked (a safety rule), bad-url,
    redirect-loop, too-many-redirects, too-large, no-time (not started: the deadline is too close).
    """

    def __init__(self, kind: str, url: str, detail: str = "") -> None:
        self.kind = kind
        self.url = public_url(url)
        self.detail = detail
        super().__init__(f"{kind}: {self.url}" + (f" ({detail})" if detail else ""))


@dataclass
class Response:
    url: str  # the URL that answered (after redirects), exactly as used
    status: int
    headers: dict[str, str]
    body: bytes = b""
    redirects: int = 0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def size(self) -> int | None:
        """The whole resource's size: Content-Range's total for a ranged answer, else Content-Length."""
        content_range = self.headers.get("content-range", "")
        if "/" in content_range:
            return _length(content_range.rsplit("/", 1)[1])
        return _length(self.headers.get("content-length", ""))


def _length(text: str) -> int | None:
    """A header's byte count, or None when it is not a plain decimal number of sane length."""
    text = text.strip()
    return int(text) if _LENGTH.fullmatch(text) else None


# --- where a connection may go ---------------------------------------------------------------------
# Not globally reachable per IANA's special-purpose address registries (and multicast, reserved), spelt
# out rather than taken from ``ipaddress.is_global``, whose tables differ between Python 3.10 and 3.12
# patch releases (3.12.1 calls 192.0.0.8, 64:ff9b:1::/48 and ::ffff:0:0:0/96 global).
_V4_REFUSED = tuple(
    ipaddress.ip_network(n)
    for n in [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    ]
)
_V6_REFUSED = tuple(
    ipaddress.ip_network(n)
    for n in [
        "64:ff9b:1::/48",
        "100::/64",
        "100:0:0:1::/64",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    ]
)
_V6_UNICAST = ipaddress.ip_network("2000::/3")  # the only IPv6 space allocated for global unicast
# IPv6 forms that carry an IPv4 address in their last 32 bits: IPv4-compatible, -mapped, -translated, NAT64
_V4_IN_LAST_32_BITS = tuple(
    ipaddress.ip_network(n) for n in ("::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why the probe must not connect to this address, or None when it is globally reachable.

    An IPv6 address that embeds an IPv4 one (``[::127.0.0.1]``, ``::ffff:…``, NAT64, 6to4) is judged by
    the IPv4 address it leads to."""
    if ip.is_loopback:
        return "a loopback address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            why = address_refusal(embedded)
            return None if why is None else f"an IPv6 address leading to {embedded}, {why}"
    if ip == METADATA_SERVICE:
        return "Alibaba Cloud's metadata service"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if isinstance(ip, ipaddress.IPv4Address):
        refused = any(ip in network for network in _V4_REFUSED)
    else:
        refused = ip not in _V6_UNICAST or any(ip in network for network in _V6_REFUSED)
    return "a non-public address" if refused or ip.is_multicast else None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.sixtofour is not None:  # 2002::/16
        return ip.sixtofour
    if any(ip in network for network in _V4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class HostGuard:
    """Decides where the probe may connect. ``allow_hosts``: host names or IPs exactly as in URLs."""

    allow_hosts: frozenset[str] = frozenset()

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(
                "blocked", url, f"the probe fetches only http and https URLs, not {parts.scheme or '?'}:"
            )
        try:
            host, _ = parts.hostname, parts.port
        except ValueError:
            raise FetchError("bad-url", url, "the port is not a number") from None
        if not host:
            raise FetchError("bad-url", url, "no host")

    def resolve(self, host: str, port: int, timeout: float = DNS_TIMEOUT_S) -> str:
        """The address to connect to: the first one resolved, after every resolved address passed."""
        infos = _lookup(host, port, timeout)
        addresses = [str(info[4][0]) for info in infos]
        if host.lower() not in self.allow_hosts:
            for address in addresses:
                why = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]))
                if why is not None:
                    raise FetchError(
                        "blocked",
                        f"http://{host}/",
                        f"{host} is {why}" + (f" ({address})" if address != host else "") + ": "
                        "the probe fetches only public addresses, "
                        "and the hosts listed in PLAYGATE_PROBE_ALLOW_HOSTS",
                    )
        return addresses[0]


def _lookup(host: str, port: int, timeout: float) -> list[Any]:
    """getaddrinfo, given up after ``timeout`` (it has no timeout of its own; the lookup's thread is
    left to finish on its own, a daemon that cannot hold the process)."""
    done = threading.Event()
    answer: list[Any] = []

    def look_up() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            answer.append(exc)
        finally:
            done.set()

    threading.Thread(target=look_up, name="probe-dns", daemon=True).start()
    if not done.wait(max(timeout, 0.0)):
        raise FetchError("timeout", f"http://{host}/", f"the DNS lookup of {host} took over {timeout:.1f} s")
    if isinstance(answer[0], Exception):
        raise FetchError("dns", f"http://{host}/", f"{host} does not resolve ({answer[0]})")
    return answer[0]


class _Alarm:
    """One request's absolute end: at ``until`` every socket it uses is shut down, which ends a blocked
    handshake or read at once. Watches a duplicate of each socket's descriptor (shutting one down shuts
    the connection; a TLS socket's own descriptor is taken over while it is being wrapped)."""

    def __init__(self, until: float) -> None:
        self.until = until
        self.fired = False
        self._watched: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(until - time.monotonic(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        return max(self.until - time.monotonic(), 0.0)

    def watch(self, sock: socket.socket) -> None:
        duplicate = socket.socket(fileno=os.dup(sock.fileno()))
        with self._lock:
            self._watched.append(duplicate)
            if self.fired:
                _shut(duplicate)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._watched:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._watched:
                sock.close()  # the duplicate only: the connection stays open for the next request
            self._watched.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected (yet, or any more)
        sock.shutdown(socket.SHUT_RDWR)


_request = threading.local()  # .alarm: the alarm of the request this thread is making


def _current_alarm() -> _Alarm | None:
    return getattr(_request, "alarm", None)


class _GuardedConnection:
    """Connects to the address the guard checked, not to a second lookup's answer. ``self.host`` stays
    the URL's name, so TLS still sends and verifies it (SNI, certificate). Every socket it uses is
    watched by the current request's alarm."""

    guard: HostGuard

    def _new_conn(self) -> socket.socket:
        conn: Any = self  # an urllib3 HTTPConnection, by the class this is mixed into
        alarm = _current_alarm()
        own = conn.timeout if isinstance(conn.timeout, int | float) else DNS_TIMEOUT_S
        address = self.guard.resolve(conn.host, conn.port, own if alarm is None else alarm.left())
        timeout = own if alarm is None else min(own, alarm.left())
        try:
            sock = create_connection(
                (address, conn.port),
                timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(conn, "connect timed out") from exc
        except OSError as exc:
            raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc
        if alarm is not None:
            alarm.watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        conn: Any = self
        alarm = _current_alarm()
        if alarm is not None and conn.sock is not None:  # a kept-alive connection's next request
            alarm.watch(conn.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]  # a mixin: super() is urllib3's connection


def _default_ca_certs() -> str | None:
    try:
        import certifi  # requests' dependency: the same roots as the ICE SDK's HTTPS
    except ImportError:
        return None
    return certifi.where()


def _pool_manager(guard: HostGuard, pool_size: int, ca_certs: str | None) -> urllib3.PoolManager:
    http_conn = type("GuardedHTTPConnection", (_GuardedConnection, HTTPConnection), {"guard": guard})
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnection, HTTPSConnection), {"guard": guard})
    manager = urllib3.PoolManager(
        num_pools=64,
        maxsize=pool_size,
        block=False,
        retries=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_certs,
    )
    manager.pool_classes_by_scheme = {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }
    return manager


# --- the fetcher -----------------------------------------------------------------------------------
@dataclass
class Fetcher:
    """Thread-safe; share one per probe run. ``deadline`` is a ``time.monotonic()`` value or None."""

    allow_hosts: Iterable[str] = ()
    timeout_s: float = 5.0
    deadline: float | None = None
    max_redirects: int = 5
    concurrency: int = 8
    min_request_s: float = 0.2
    ca_certs: str | None = None  # None: certifi's bundle when installed, else the system's
    requests_made: int = 0
    not_started: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.guard = HostGuard(frozenset(h.strip().lower() for h in self.allow_hosts if h.strip()))
        self._manager = _pool_manager(self.guard, self.concurrency, self.ca_certs or _default_ca_certs())
        self._executor: ThreadPoolExecutor | None = None
        self._in_flight = threading.BoundedSemaphore(self.concurrency)

    # --- time ---------------------------------------------------------------------------------------
    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def out_of_time(self) -> bool:
        left = self.time_left()
        return left is not None and left < self.min_request_s

    def _request_timeout(self, url: str, timeout_s: float | None = None) -> tuple[float, bool]:
        """The timeout for a request starting now, and whether the deadline cut it short."""
        timeout_s = timeout_s or self.timeout_s
        left = self.time_left()
        if left is None or left >= timeout_s:
            return timeout_s, False
        if left < self.min_request_s:
            with self._lock:
                self.not_started += 1
            raise FetchError("no-time", url, f"{left:.2f} s left before the deadline")
        return left, True

    # --- requests -----------------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        byte_range: tuple[int, int] | None = None,
        truncate: bool = False,
    ) -> Response:
        """GET (optionally ``Range: bytes=a-b``), reading at most ``max_bytes`` of the body.

        A longer body is an error (``too-large``), or with ``truncate`` cut there (the connection is
        then closed, not reused): for servers that answer a ranged request with the whole file.
        """
        headers = {"Range": f"bytes={byte_range[0]}-{byte_range[1]}"} if byte_range else {}
        return self.request("GET", url, headers=headers, max_bytes=max_bytes, truncate=truncate)

    def head(self, url: str) -> Response:
        return self.request("HEAD", url, max_bytes=0)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        max_bytes: int,
        truncate: bool = False,
    ) -> Response:
        seen = [url]
        current = url
        for hop in range(self.max_redirects + 1):
            response = self._once(method, current, headers or {}, max_bytes, truncate)
            location = response.headers.get("location")
            if response.status not in REDIRECTS or not location:
                response.redirects = hop
                return response
            current = urljoin(current, location)
            if current in seen:
                raise FetchError("redirect-loop", url, f"redirected back to {public_url(current)}")
            seen.append(current)
        raise FetchError("too-many-redirects", url, f"more than {self.max_redirects} redirects")

    def _once(
        self, method: str, url: str, headers: dict[str, str], max_bytes: int, truncate: bool
    ) -> Response:
        self.guard.check_url(url)
        with self._in_flight:  # bounded concurrency, whichever thread asks
            timeout, cut = self._request_timeout(url)
            try:
                return self._send(method, url, headers, max_bytes, truncate, timeout)
            except FetchError as error:
                if cut and error.kind == "timeout":  # the deadline, not the server, ended it
                    raise FetchError("no-time", url, "stopped at the deadline") from None
                raise

    def open(self, method: str, url: str, headers: dict[str, str], timeout_s: float | None = None) -> Any:
        """One request under the same rules, no redirect followed, the body left unread: for relaying
        (the decode guard). The caller reads the urllib3 response and closes it."""
        self.guard.check_url(url)
        timeout, _ = self._request_timeout(url, timeout_s)
        with self._lock:
            self.requests_made += 1
        return self._start(method, url, headers, timeout)

    def _send(
        self, method: str, url: str, headers: dict[str, str], max_bytes: int, truncate: bool, timeout: float
    ) -> Response:
        with self._lock:
            self.requests_made += 1
        alarm = _request.alarm = _Alarm(time.monotonic() + timeout)
        try:
            return self._exchange(method, url, headers, max_bytes, truncate, timeout, alarm)
        except FetchError as error:
            if alarm.fired and error.kind != "timeout":  # the shut socket's error says less than this
                raise FetchError("timeout", url, f"no complete answer within {timeout:.1f} s") from None
            raise
        finally:
            alarm.cancel()
            _request.alarm = None

    def _exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        max_bytes: int,
        truncate: bool,
        timeout: float,
        alarm: _Alarm,
    ) -> Response:
        raw = self._start(method, url, headers, timeout)
        try:
            if raw.status in REDIRECTS:  # a redirect's body is not wanted; keep the connection if small
                max_bytes, truncate = 65536, True
            body = self._read(raw, url, max_bytes, truncate) if method != "HEAD" else b""
            if alarm.fired:  # a shut socket reads as the end of the body: this one is cut short
                raw.close()
                raise FetchError("timeout", url)
        finally:
            raw.release_conn()
        return Response(url, raw.status, {k.lower(): v for k, v in raw.headers.items()}, body)

    def _start(self, method: str, url: str, headers: dict[str, str], timeout: float) -> Any:
        try:
            return self._manager.request(
                method,
                url,
                headers={"User-Agent": USER_AGENT, **headers},
                redirect=False,
                retries=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
            )
        except FetchError:
            raise
        except Exception as exc:
            raise _fetch_error(exc, url) from None

    @staticmethod
    def _read(raw: Any, url: str, max_bytes: int, truncate: bool) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                chunk = raw.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes and truncate:
                    raw.close()  # the rest is not read; the connection is not reused
                    chunks.append(chunk[: max_bytes - size + len(chunk)])
                    break
                if size > max_bytes:
                    raw.close()
                    raise FetchError("too-large", url, f"more than {max_bytes} bytes")
                chunks.append(chunk)
        except FetchError:
            raise
        except Exception as exc:
            raw.close()
            raise _fetch_error(exc, url) from None
        return b"".join(chunks)

    # --- concurrency --------------------------------------------------------------------------------
    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(item) …]`` with at most ``concurrency`` at once; ``fn`` must not raise."""
        items = list(items)
        if len(items) <= 1:
            return [fn(item) for item in items]
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="probe")
        return list(self._executor.map(fn, items))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._manager.clear()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fetch_error(exc: Exception, url: str) -> FetchError:
    """A urllib3 failure as a FetchError; the exception's text (which may hold the URL) is dropped."""
    cause: BaseException = exc
    while isinstance(reason := getattr(cause, "reason", None), BaseException) and reason is not cause:
        cause = reason  # MaxRetryError etc.
    if isinstance(cause, NewConnectionError):  # checked first: urllib3 derives it from ConnectTimeoutError
        refused = "refused" in str(cause).lower()
        return FetchError("refused", url) if refused else FetchError("connection", url, "no connection")
    if isinstance(cause, ConnectTimeoutError | ReadTimeoutError | TimeoutError | socket.timeout):
        return FetchError("timeout", url)
    if isinstance(cause, NameResolutionError):
        return FetchError("dns", url)
    if isinstance(cause, SSLError | ssl.SSLError):
        return FetchError("tls", url, "the certificate does not verify for this host, or TLS failed")
    if isinstance(cause, ConnectionRefusedError):
        return FetchError("refused", url)
    return FetchError("connection", url, type(cause).__name__)


class _DropQueries(logging.Filter):
    """urllib3 logs request lines at debug level with the full URL; keep signed queries out of logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] if isinstance(a, str) else a for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_DropQueries())
