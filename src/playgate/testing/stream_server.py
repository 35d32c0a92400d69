"""A CDN on 127.0.0.1 that can misbehave: serves a folder (HLS, DASH, MP4…) with faults on demand.

    with StreamServer(root) as cdn:
        cdn.auth_key = "s3cret"                  # 403 unless ?auth_key=s3cret; playlist URIs carry it
        cdn.status["/hls/v0/seg_003.m4s"] = 404   # drop a segment
        cdn.bandwidth_factor = 1 / 3              # masters declare a third of their BANDWIDTH
        cdn.redirect["/a.m3u8"] = "/b.m3u8"       # redirects (a loop when they point at each other)
        cdn.stall["/hls/master.m3u8"] = 5.0       # answer after 5 s
        cdn.drip["/hls/master.m3u8"] = 0.5        # send the response headers one byte every 0.5 s, for ever
        cdn.headers["/v"] = {"Content-Type": "video/mp4"}  # add or replace response headers (a replaced
                                                  # Content-Length: the body then ends with the connection)
        cdn.rewrite["/hls/v1/index.m3u8"] = fn    # change a body on the way out (bytes → bytes)
        cdn.latency_s = 0.02                      # every request
        cdn.virtual["/big/seg_0001.ts"] = 750_000 # a file of that many zero bytes, not on disk
        cdn.url("/hls/master.m3u8"), cdn.requests  # [(method, path), …]

It answers GET and HEAD, honours ``Range: bytes=a-b`` (206), keeps connections alive, and never logs.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playgate.testing.background import BackgroundServer

HOST = "127.0.0.1"
_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".ts": "video/mp2t",
    ".flv": "video/x-flv",
}
_BANDWIDTH = re.compile(rb"((?:AVERAGE-)?BANDWIDTH)=(\d+)")


class StreamServer(BackgroundServer):
    thread_name = "stream-server"

    def __init__(self, root: str | Path | None = None, port: int = 0, *, tls: Any = None, host: str = HOST):
        """``tls``: an ``ssl.SSLContext`` to serve https; ``host``: the name URLs use (e.g. localhost)."""
        self.root = Path(root) if root is not None else None
        self.port = port
        self.tls = tls
        self.host = host
        self.auth_key: str | None = None
        self.status: dict[str, int] = {}
        self.redirect: dict[str, str] = {}
        self.stall: dict[str, float] = {}
        self.drip: dict[str, float] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.rewrite: dict[str, Callable[[bytes], bytes]] = {}
        self.virtual: dict[str, int | bytes] = {}
        self.bandwidth_factor: float | None = None
        self.latency_s = 0.0
        self.head_allowed = True
        self.requests: list[tuple[str, str]] = []
        self.connections = 0  # TCP connections accepted (fewer than requests: kept alive)
        self.max_in_flight = 0  # most requests being answered at once
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- addresses ----------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        if self._server is None:
            raise RuntimeError("StreamServer is not started: call start() or use it as a context manager")
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self._server.server_address[1]}"

    def url(self, path: str, *, signed: bool = False) -> str:
        query = f"?auth_key={self.auth_key}" if signed and self.auth_key else ""
        return f"{self.base}{path}{query}"

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [p for _, p in self.requests]

    # --- answers ------------------------------------------------------------------------------------
    def answer(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return self._answer(method, target)
        finally:
            with self._lock:
                self._in_flight -= 1

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def _answer(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        path = parts.path
        self.record(method, path)
        if self.latency_s:
            time.sleep(self.latency_s)
        if path in self.stall:
            time.sleep(self.stall[path])
        if self.auth_key is not None and parse_qs(parts.query).get("auth_key") != [self.auth_key]:
            return 403, {}, b"<Error>AccessDenied: auth_key mismatch</Error>"
        if path in self.redirect:
            return 302, {"Location": self.redirect[path]}, b""
        if path in self.status:
            return self.status[path], {}, b"fault injected"
        if method == "HEAD" and not self.head_allowed:
            return 405, {}, b""
        body = self._body(path)
        if body is None:
            return 404, {}, b"not found"
        content_type = _TYPES.get(Path(path).suffix, "application/octet-stream")
        return 200, {"Content-Type": content_type, **self.headers.get(path, {})}, body

    def _body(self, path: str) -> bytes | None:
        if path in self.virtual:
            data = self.virtual[path]
            return bytes(data) if isinstance(data, int) else data
        if self.root is None:
            return None
        file = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in file.parents or not file.is_file():
            return None
        body = file.read_bytes()
        if path.endswith(".m3u8"):
            body = self._playlist(body)
        return self.rewrite[path](body) if path in self.rewrite else body

    def _playlist(self, body: bytes) -> bytes:
        if self.bandwidth_factor is not None:
            factor = self.bandwidth_factor
            body = _BANDWIDTH.sub(
                lambda m: m.group(1) + b"=" + str(int(int(m.group(2)) * factor)).encode(), body
            )
        if self.auth_key is not None:  # as a CDN's m3u8 rewrite does: every URI carries the auth key
            suffix = f"?auth_key={self.auth_key}".encode()
            lines = [
                line + suffix if line and not line.startswith(b"#") else line for line in body.split(b"\n")
            ]
            body = re.sub(
                rb'URI="([^"?]+)"', lambda m: b'URI="' + m.group(1) + suffix + b'"', b"\n".join(lines)
            )
        return body

    # --- lifecycle ----------------------------------------------------------------------------------
    def _make_server(self) -> _Server:
        server = _Server((HOST, self.port), _Handler)
        server.cdn = self
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        return server

    def start(self) -> str:
        self._serve()
        return self.base


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64
    cdn: StreamServer

    def handle_error(self, request: Any, client_address: Any) -> None:  # e.g. a refused TLS handshake
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self.server.cdn._lock:
            self.server.cdn.connections += 1

    def _serve(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        interval = self.server.cdn.drip.get(urlsplit(self.path).path)
        if interval is not None:
            self._drip(interval)
            return
        status, extra, body = self.server.cdn.answer(self.command, self.path, headers)
        status, extra, body = _ranged(status, extra, body, headers.get("range"))
        try:
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            if "content-length" in {name.lower() for name in extra}:
                self.close_connection = True  # a replaced length cannot delimit the body
            else:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drip(self, interval: float) -> None:
        """A status line and then headers that never end, one byte at a time, until the client leaves."""
        self.close_connection = True
        self.server.cdn.record(self.command, urlsplit(self.path).path)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nX-Pad: "
        try:
            for byte in itertools.chain(head, itertools.repeat(ord("a"))):
                self.wfile.write(bytes([byte]))
                time.sleep(interval)
        except OSError:  # the client shut the connection
            pass

    do_GET = _serve
    do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # the server never logs (signed URLs)
        pass


def _ranged(
    status: int, headers: dict[str, str], body: bytes, range_header: str | None
) -> tuple[int, dict[str, str], bytes]:
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", (range_header or "").strip())
    if status != 200 or match is None:
        return status, headers, body
    start = int(match.group(1))
    end = min(int(match.group(2)) if match.group(2) else len(body) - 1, len(body) - 1)
    if start >= len(body):
        return 416, {"Content-Range": f"bytes */{len(body)}"}, b""
    # a Content-Range the test set (cdn.headers) wins over the true one
    return 206, {"Content-Range": f"bytes {start}-{end}/{len(body)}", **headers}, body[start : end + 1]
