"""The HTTP/1.1 that the ICE transport needs, on a bare socket: one request out, one answer in, keep-alive.

``http.client`` parses every answer's headers through the ``email`` package and writes every request
header through several layers; for two small calls per event that was a third of their CPU. This speaks
the subset ICE's front end uses: ``Content-Length``, ``Transfer-Encoding: chunked`` or read-to-close
bodies, interim 1xx answers skipped, ``Connection: close`` honoured, over TCP or TLS.
"""

from __future__ import annotations

import contextlib
import io
import socket
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

_MAX_LINE = 65536
_MAX_HEADERS = 100


class Disconnected(ConnectionError):
    """The server closed the connection before any byte of an answer: an idle keep-alive connection it
    had dropped, or a server going away."""


class BadAnswer(ConnectionError):
    """An answer that is not HTTP/1.x or stops short."""


class _Bounded(io.RawIOBase):
    """The socket's reads, none of which waits past ``ends`` (a monotonic instant): the per-read socket
    timeout alone would let a server that trickles its answer hold a call for ever."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.ends: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.ends is None:
            return self._sock.recv_into(buffer)
        left = self.ends - time.monotonic()
        self._sock.settimeout(max(left, 0.0))  # past the end: only what has arrived already (non-blocking)
        try:
            return self._sock.recv_into(buffer)
        except OSError as error:
            if left <= 0 and not isinstance(error, TimeoutError):  # would block (plain socket or TLS)
                raise TimeoutError("timed out: the answer did not arrive within the time given") from error
            raise


class Connection:
    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.tls = host, port, tls
        self._sock: socket.socket | None = None
        self._raw: _Bounded | None = None
        self._reader: io.BufferedReader | None = None

    def open(self, timeout_s: float) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout_s)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self._raw = _Bounded(sock)
        self._sock, self._reader = sock, io.BufferedReader(self._raw)
        return sock

    def send(self, request: bytes, timeout_s: float) -> None:
        sock = self._sock if self._sock is not None else self.open(timeout_s)
        sock.settimeout(timeout_s)
        sock.sendall(request)

    def receive(self, ends: float | None = None) -> tuple[int, dict[str, str], bytes, bool]:
        """``(status, lower-cased headers, body, keep_alive)`` of the next answer, read by ``ends`` (a
        monotonic instant) at the latest when given."""
        raw, reader = self._raw, self._reader
        if raw is None or reader is None:
            raise Disconnected("nothing was sent on this connection")
        raw.ends = ends
        status, headers, version = _head(reader)
        while 100 <= status < 200:  # interim answers (100 Continue, 103 Early Hints) precede the real one
            status, headers, version = _head(reader, first=False)
        keep = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = _chunked(reader)
        elif "content-length" in headers:
            body = _exactly(reader, _length(headers["content-length"]))
        elif status in (204, 304):
            body = b""
        else:  # no length: the body runs to the end of the connection
            body, keep = reader.read(), False
        return status, headers, body, keep

    def close(self) -> None:
        sock, reader, self._sock, self._reader, self._raw = self._sock, self._reader, None, None, None
        for part in (reader, sock):
            if part is not None:
                with contextlib.suppress(OSError):
                    part.close()


# --- reading -----------------------------------------------------------------------------------------
def _head(reader: io.BufferedReader, *, first: bool = True) -> tuple[int, dict[str, str], str]:
    line = reader.readline(_MAX_LINE + 1)
    if not line:
        if first:
            raise Disconnected("the server closed the connection without answering")
        raise BadAnswer("the server closed the connection in the middle of an answer")
    version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise BadAnswer(f"not an HTTP/1.x status line: {line[:80]!r}")
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADERS + 1):
        line = reader.readline(_MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return int(code), headers, version
        if not line:
            raise BadAnswer("the answer's headers stop short")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise BadAnswer(f"not a header line: {line[:80]!r}")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raise BadAnswer(f"more than {_MAX_HEADERS} header lines")


def _exactly(reader: io.BufferedReader, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise BadAnswer(f"the body stops after {len(data)} of {size} bytes")
    return data


def _chunked(reader: io.BufferedReader) -> bytes:
    parts = []
    while True:
        line = reader.readline(_MAX_LINE + 1)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadAnswer(f"not a chunk size: {line[:80]!r}") from None
        if size == 0:
            break
        parts.append(_exactly(reader, size))
        _exactly(reader, 2)  # the CRLF after each chunk
    while reader.readline(_MAX_LINE + 1) not in (b"\r\n", b"\n", b""):  # trailers
        pass
    return b"".join(parts)


def _length(text: str) -> int:
    try:
        size = int(text.split(",")[0])
    except ValueError:
        raise BadAnswer(f"not a Content-Length: {text!r}") from None
    if size < 0:
        raise BadAnswer(f"not a Content-Length: {text!r}")
    return size


def request_bytes(method: str, target: str, headers: dict[str, str]) -> bytes:
    """One request with an empty body (ICE's RPC calls carry their parameters in the query)."""
    for part in (target, *headers, *headers.values()):
        if "\r" in part or "\n" in part or "\0" in part:
            raise ValueError(f"a line break or NUL in the request line or a header: {part[:40]!r}")
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def split_host_port(endpoint: str, default_port: int) -> tuple[str, int]:
    """``host[:port]`` (IPv6 in brackets) → ``(host, port)``."""
    host, sep, port = endpoint.rpartition(":")
    if sep and port.isdigit() and (not host.startswith("[") or host.endswith("]")) and "]" not in port:
        return host.strip("[]"), int(port)
    return endpoint.strip("[]"), default_port
