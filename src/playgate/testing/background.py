"""A local HTTP server on a daemon thread, for the emulator and the test CDN: start, stop, ``with``."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any


class BackgroundServer:
    """Subclasses build their server in ``_make_server``; ``start`` serves it once, ``stop`` is idempotent."""

    thread_name = "local-server"
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def _make_server(self) -> ThreadingHTTPServer:
        raise NotImplementedError

    def start(self) -> str:
        """Serve (again, on the same port); returns the base URL."""
        raise NotImplementedError

    def _serve(self) -> None:
        if self._server is None:
            self._server = self._make_server()
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name=self.thread_name, daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
