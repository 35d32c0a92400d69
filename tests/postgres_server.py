"""A real, throw-away PostgreSQL server for the tests: 127.0.0.1, a free port, a temp folder, no fsync.

Debian's ``postgresql`` package (``.ci/run`` installs it) provides ``initdb`` and ``postgres`` under
``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root, so under root the cluster is
made and run as the ``postgres`` user the package creates. It never skips: without a server binary it
fails and says how to install one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

INSTALL_HINT = (
    "no PostgreSQL server binaries (initdb, postgres): the PostgreSQL store tests need a real server. "
    "Install it with `apt-get update -qq && apt-get install -y -qq postgresql` (Debian/Ubuntu)."
)
START_TIMEOUT_S = 30.0


class PostgresServerError(RuntimeError):
    pass


def _bindir() -> Path | None:
    found = shutil.which("pg_config")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout
        candidates.append(out.strip())
    for folder in reversed(candidates):
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "postgres").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    found, todo = [root], [root]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


class PostgresServer:
    """``with PostgresServer() as server: server.new_database_url()`` — or ``start()`` / ``stop()``."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: str | None = None

    def url(self, database: str = "postgres") -> str:
        if self.port is None:
            raise PostgresServerError("the PostgreSQL server is not running")
        return f"postgresql://playgate@127.0.0.1:{self.port}/{database}"

    def new_database_url(self) -> str:
        """A fresh, empty database on this server (one per test keeps tests apart)."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start(self) -> PostgresServer:
        if self.bindir is None:
            raise PostgresServerError(INSTALL_HINT)
        self._dir = tempfile.mkdtemp(prefix="playgate-postgres-")
        data = Path(self._dir) / "data"
        if os.geteuid() == 0:
            shutil.chown(self._dir, "postgres", "postgres")
        initdb = [
            *_as_postgres_user(), str(self.bindir / "initdb"), "-D", str(data), "-U", "playgate",
            "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C",
        ]  # fmt: skip
        done = subprocess.run(initdb, capture_output=True, text=True, check=False)
        if done.returncode:
            raise PostgresServerError(f"initdb failed: {done.stderr.strip()[-2000:]}")
        self.port = _free_port()
        server = [
            *_as_postgres_user(), str(self.bindir / "postgres"), "-D", str(data),
            "-h", "127.0.0.1", "-p", str(self.port), "-k", self._dir,
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200", "-c", "shared_buffers=32MB",
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            server, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._proc is not None and self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise PostgresServerError(f"postgres exited at start: {err[-2000:]}")
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise PostgresServerError("postgres did not accept connections in time") from None
                time.sleep(0.1)

    def pause(self) -> None:
        """SIGSTOP the whole server (postmaster and backends): it accepts connections but never answers."""
        self._signal_all(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_all(signal.SIGCONT)

    def _signal_all(self, sig: signal.Signals) -> None:
        """Backends start sessions of their own, so a process group does not reach them: walk the tree."""
        if self._proc is None:
            return
        for pid in _descendants(self._proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def stop(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGCONT)
                os.killpg(self._proc.pid, signal.SIGQUIT)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(10)
            if self._proc.stderr:
                self._proc.stderr.close()
            self._proc = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
