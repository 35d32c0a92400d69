"""``jsonl://PATH`` — append one event per line to a local file, whole, even with concurrent writers.

URL form: everything after ``jsonl://`` is the path. ``jsonl:///var/log/alerts.jsonl`` (three slashes)
is absolute; ``jsonl://out/alerts.jsonl`` is relative to the working directory when the sink opens;
``~`` is expanded. Missing parent folders are created. Option ``?fsync=true`` flushes every line to disk
before ``send`` returns (slower; survives a machine crash, not just a process crash).

Lines from several threads and processes never interleave: the file is opened with ``O_APPEND`` and each
line goes out in a single ``write()`` (atomic for a regular file's append offset). A line longer than
``PIPE_BUF`` additionally takes an exclusive ``flock`` for its writes, so even if the kernel splits it
into several partial writes no other playgate writer can slip in between them.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
from pathlib import Path
from typing import Any

from playgate.errors import ConfigError, SinkRejected, SinkUnavailable
from playgate.publish.base import bool_option, query_options
from playgate.publish.size import encode_event

PIPE_BUF = getattr(select, "PIPE_BUF", 4096)
TRANSIENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN, errno.EINTR, errno.ENOLCK})


def parse_path(url: str) -> tuple[Path, dict[str, str]]:
    rest = url[len("jsonl:") :]
    rest = rest[2:] if rest.startswith("//") else rest
    raw, _, query = rest.partition("?")
    if not raw:
        raise ConfigError(
            f"sink {url!r} names no file; use jsonl:///absolute/path.jsonl or jsonl://relative/path.jsonl"
        )
    return Path(os.path.expanduser(raw)).absolute(), query_options(url, query, {"fsync"})


class JsonlSink:
    def __init__(self, url: str) -> None:
        path, options = parse_path(url)
        self.path = path
        self.url = f"jsonl://{path}"
        self._fsync = bool_option(url, "fsync", options.get("fsync"), False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise ConfigError(
                f"sink {self.url}: cannot open {path} for appending ({error.strerror}); "
                "choose a writable path (in FC only /tmp is writable)"
            ) from error

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        if self._fd is None:
            raise SinkRejected(f"sink {self.url} is closed; open a new one")
        line = encode_event(event) + b"\n"
        try:
            if len(line) <= PIPE_BUF:
                self._write(line)
            else:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
                try:
                    self._write(line)
                finally:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
            if self._fsync:
                os.fsync(self._fd)
        except OSError as error:
            raise self._classify(error) from error

    def _write(self, line: bytes) -> None:
        assert self._fd is not None
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def _classify(self, error: OSError) -> Exception:
        what = f"sink {self.url}: writing the event failed ({error.strerror or error})"
        if error.errno in TRANSIENT_ERRNOS:
            return SinkUnavailable(f"{what}; it will be retried (free disk space if the disk is full)")
        return SinkRejected(f"{what}; check the file's permissions and that it is a regular file")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
