"""Waiting for something to happen (a TTL running out, a server reaching a state), never a fixed sleep;
and what a wait inside playgate was allowed (the deadline tests check that, not the wall clock)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, timeout_s: float = 10.0, poll_s: float = 0.02) -> T:
    """Poll until ``probe`` returns something truthy; fail after ``timeout_s`` (a bound on a hang, generous
    on purpose: it is not a measurement)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        assert time.monotonic() < deadline, f"condition not reached within {timeout_s} s"
        time.sleep(poll_s)


def sqlite_lock_wait_ms(store: Any) -> int:
    """How long a SQLite store's connection was last told to wait for another process's lock (ms)."""
    return store._conn.execute("PRAGMA busy_timeout").fetchone()[0]
