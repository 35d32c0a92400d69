"""The probe's fetching rules for ffmpeg: a forward proxy on 127.0.0.1 that ffmpeg must go through.

ffmpeg follows playlists, segments and redirects on its own, so the rules cannot be checked before it
starts. Its ``http_proxy`` sends every connection here instead (http as absolute URIs, https as CONNECT
tunnels); each destination is resolved and checked by the probe's ``HostGuard`` (no loopback, private,
link-local or metadata-service address unless the operator allows the host), and the connection goes
to the address that was checked. A refusal is answered 403 and remembered, without the URL's query.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Any
from urllib.parse import urlsplit

from playgate.probe.fetch import FetchError, HostGuard

MAX_HEAD_BYTES = 64 * 1024
IO_TIMEOUT_S = 30.0
_HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "proxy-authorization"}


class GuardProxy:
    """``with GuardProxy(HostGuard(...)) as proxy: run ffmpeg with http_proxy=proxy.url``."""

    def __init__(self, guard: HostGuard) -> None:
        self.guard = guard
        self.refusals: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="decode-guard", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GuardProxy:
        self._server.server_bind()
        self._server.server_activate()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def refused_since(self, mark: int) -> list[str]:
        with self._lock:
            return list(self.refusals[mark:])

    # --- one client connection ----------------------------------------------------------------------
    def _serve(self, client: socket.socket) -> None:
        client.settimeout(IO_TIMEOUT_S)
        try:
            head, rest = _read_head(client)
            method, target, version, headers = _parse_head(head)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = self._open(client, host.strip("[]"), int(port), f"https://{target}/")
                if upstream is not None:
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    _relay(client, upstream, rest)
                return
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                return self._refuse(client, f"{method} {parts.scheme}://{parts.hostname}: only http(s)")
            upstream = self._open(client, parts.hostname, parts.port or 80, target)
            if upstream is not None:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]
                lines = [f"{method} {path} {version}", *(f"{k}: {v}" for k, v in kept), "Connection: close"]
                _relay(client, upstream, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + rest)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _open(self, client: socket.socket, host: str, port: int, url: str) -> socket.socket | None:
        try:
            address = self.guard.resolve(host, port)
        except FetchError as error:
            self._refuse(client, f"{host}: {error.detail or error.kind}")
            return None
        return socket.create_connection((address, port), timeout=IO_TIMEOUT_S)

    def _refuse(self, client: socket.socket, why: str) -> None:
        with self._lock:
            self.refusals.append(why)
        body = f"refused by playgate: {why}\n".encode()
        client.sendall(
            b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk or len(data) > MAX_HEAD_BYTES:
            raise ValueError("no complete request head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _parse_head(head: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)]
    return method.upper(), target, version, headers


def _relay(client: socket.socket, upstream: socket.socket, first: bytes) -> None:
    """Copy both ways until either side closes."""
    with upstream:
        if first:
            upstream.sendall(first)
        pump = threading.Thread(target=_copy, args=(client, upstream), daemon=True)
        pump.start()
        _copy(upstream, client)


def _copy(source: Any, sink: Any) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
