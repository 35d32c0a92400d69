"""The HTTP front door: the emulator on a threaded ``http.server``, on 127.0.0.1 only."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from playgate.testing.background import BackgroundServer
from playgate.testing.emulator import IceEmulator
from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET

HOST = "127.0.0.1"
__all__ = ["HOST", "TEST_ACCESS_KEY_ID", "TEST_ACCESS_KEY_SECRET", "EmulatorServer"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        form: dict[str, str] = {}
        if body and "application/x-www-form-urlencoded" in headers.get("content-type", ""):
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        target = urlsplit(self.path)
        query = dict(parse_qsl(target.query, keep_blank_values=True))
        emulator = self.server.emulator
        reply = emulator.handle(self.command, query, headers, form, path=target.path or "/", body=body)
        if reply.fault == "timeout":
            time.sleep(emulator.timeout_delay_s)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_POST = _serve
    do_GET = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the emulator has its own call log
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    emulator: IceEmulator


class EmulatorServer(BackgroundServer):
    """``with EmulatorServer(emulator) as server: server.url`` — a real HTTP ICE on 127.0.0.1."""

    thread_name = "ice-emulator"

    def __init__(self, emulator: IceEmulator | None = None, port: int = 0) -> None:
        self.emulator = emulator if emulator is not None else IceEmulator()
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("EmulatorServer is not started: call start() or use it as a context manager")
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        """Environment that points playgate (Settings) at this server with the emulator's test AccessKey."""
        return {
            "PLAYGATE_ICE_ENDPOINT": self.url,
            "PLAYGATE_ACCESS_KEY_ID": TEST_ACCESS_KEY_ID,
            "PLAYGATE_ACCESS_KEY_SECRET": TEST_ACCESS_KEY_SECRET,
        }

    def _make_server(self) -> _Server:
        server = _Server((HOST, self.port), _Handler)
        server.emulator = self.emulator
        return server

    def start(self) -> str:
        self._serve()
        return self.url
