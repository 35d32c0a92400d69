"""``jsonl://PATH`` — append one event per line to a local file, whole, even with concurrent writers.

URL form: everything after ``jsonl://`` is the path. ``jsonl:///var/log/alerts.jsonl`` (three slashes)
is absolute; ``jsonl://out/alerts.jsonl`` is relative to the working directory when the sink opens;
``~`` is expanded. Missing parent folders are created. Option ``#fsync=true`` (or ``?fsync=true``)
flushes every line to disk before ``send`` returns (slower; survives a machine crash, not just a process
crash).

Lines from several threads and processes never interleave: the file is opened with ``O_APPEND`` and every
line is written under an exclusive ``flock`` (other processes) and the sink's own lock (other threads: they
share the file description, which flock does not tell apart), so even if the kernel splits a line into
several partial writes no other playgate writer can slip in between them, or see it half-written and cut it.

Only whole lines: a write that fails half-way (a full disk, a file-size limit) is cut back off before the
error is raised, and a partial last line left by a writer that died mid-line is cut off before the next
line is appended — its event was not recorded as handled, so it is delivered again. A retried line thus
never lands on the end of a broken one. (The file is opened for reading too, to look at its tail.)
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

from playgate.errors import ConfigError, DeadlineExceeded, SinkRejected, SinkUnavailable
from playgate.log import get_logger
from playgate.publish.base import bool_option, query_options
from playgate.publish.size import encode_event

TRANSIENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EAGAIN, errno.EINTR, errno.ENOLCK}
)
TAIL_CHUNK = 64 * 1024
LOCK_POLL_S = 0.005


def parse_path(url: str) -> tuple[Path, dict[str, str]]:
    rest = url[len("jsonl:") :]
    rest = rest[2:] if rest.startswith("//") else rest
    rest, _, fragment = rest.partition("#")  # options after '#', like every sink's
    raw, _, query = rest.partition("?")
    if not raw:
        raise ConfigError(
            f"sink {url!r} names no file; use jsonl:///absolute/path.jsonl or jsonl://relative/path.jsonl"
        )
    return Path(os.path.expanduser(raw)).absolute(), query_options(
        url, "&".join(p for p in (query, fragment) if p), {"fsync"}
    )


class JsonlSink:
    def __init__(self, url: str) -> None:
        path, options = parse_path(url)
        self.path = path
        self.url = f"jsonl://{path}"
        self._fsync = bool_option(url, "fsync", options.get("fsync"), False)
        self._threads = threading.Lock()  # flock excludes other processes, this the other threads
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd: int | None = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise ConfigError(
                f"sink {self.url}: cannot open {path} for appending ({error.strerror}); "
                "choose a writable path (in FC only /tmp is writable)"
            ) from error

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        if self._fd is None:
            raise SinkRejected(f"sink {self.url} is closed; open a new one")
        line = encode_event(event) + b"\n"
        if not self._threads.acquire(timeout=-1 if timeout_s is None else max(timeout_s, 0)):
            raise DeadlineExceeded(f"sink {self.url}: another thread held the file until the deadline")
        try:
            self._lock(self._fd, timeout_s)
            try:
                self._append_whole(self._fd, line)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            if self._fsync:
                os.fsync(self._fd)
        except OSError as error:
            raise self._classify(error) from error
        finally:
            self._threads.release()

    def _lock(self, fd: int, timeout_s: float | None) -> None:
        """Take the file's lock, waiting no longer than ``timeout_s`` (the invocation's time left)."""
        if timeout_s is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return
        until = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= until:
                    raise DeadlineExceeded(
                        f"sink {self.url}: another writer held the file until the deadline; "
                        "the event will be retried"
                    ) from None
                time.sleep(LOCK_POLL_S)

    def _append_whole(self, fd: int, line: bytes) -> None:
        """Append ``line`` after the last whole line; on failure leave no part of it behind."""
        end = self._cut_partial_line(fd)
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        except OSError:
            os.ftruncate(fd, end)  # shrinking needs no space: the file ends with a whole line again
            raise

    def _cut_partial_line(self, fd: int) -> int:
        """Cut off a last line without its newline (a writer died mid-line); returns the file's size."""
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return size
        end = size
        while end > 0:
            start = max(0, end - TAIL_CHUNK)
            newline = os.pread(fd, end - start, start).rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            end = start
        os.ftruncate(fd, end)
        get_logger().warning("sink.partial_line_removed", sink=self.url, bytes=size - end)
        return end

    def _classify(self, error: OSError) -> Exception:
        what = f"sink {self.url}: writing the event failed ({error.strerror or error})"
        if error.errno in TRANSIENT_ERRNOS:
            return SinkUnavailable(f"{what}; it will be retried (free disk space if the disk is full)")
        return SinkRejected(f"{what}; check the file's permissions and that it is a regular file")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
