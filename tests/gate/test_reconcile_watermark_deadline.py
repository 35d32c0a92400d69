"""The reconciler's watermark read and write wait for the store no longer than the sweep's deadline.

No wall-clock assertion: each test checks the sweep's error and the wait the store was given;
``bench/bench_deadlines.py`` prints how long the sweeps take.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from types import SimpleNamespace

import playgate.reconcile
from playgate.reconcile import WATERMARK_KEY
from playgate.store import open_store
from redis_server import RedisServer
from waiting import sqlite_lock_wait_ms

TIME_LEFT_MS = 2500  # what FC says is left when the sweep starts; the safety margin is 1 s
SWEEP_BUDGET_S = TIME_LEFT_MS / 1000 - 1  # no wait may be given more than this


def _context() -> SimpleNamespace:
    started = time.monotonic()
    remaining = lambda: max(0, int(TIME_LEFT_MS - (time.monotonic() - started) * 1000))  # noqa: E731
    return SimpleNamespace(request_id="req-sweep", credentials=None, get_remaining_time_in_millis=remaining)


def _sweep() -> dict:
    return json.loads(playgate.reconcile.handler(b"reconcile", _context()))


def test_a_locked_sqlite_store_does_not_hold_the_watermark_write_past_the_deadline(function_env, monkeypatch):
    monkeypatch.setenv("PLAYGATE_SAFETY_MARGIN_S", "1")
    monkeypatch.setenv("PLAYGATE_RECONCILE_INITIAL_LOOKBACK_S", "1")  # an empty window: only the write
    first = _sweep()
    assert first["stopped_early"] is False and first["watermark"]
    locker = sqlite3.connect(function_env / "store.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock (the store waits 5 s)
    try:
        second = _sweep()
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    assert second["error"]["reason"] == "store_unavailable", second  # SQLite's lock wait, cut at the deadline
    assert "set_value" in second["error"]["message"]
    lock_wait_ms = sqlite_lock_wait_ms(playgate.reconcile._runtime.gate.store)
    assert lock_wait_ms <= SWEEP_BUDGET_S * 1000, f"told to wait {lock_wait_ms} ms for the lock"
    store = open_store(f"sqlite:///{function_env / 'store.sqlite3'}")
    try:
        assert store.get_value(WATERMARK_KEY) == first["watermark"]  # unchanged: the next sweep redoes it
    finally:
        store.close()


def test_a_hung_redis_does_not_hold_the_watermark_read_past_the_deadline(
    function_env, monkeypatch, redis_waits
):
    monkeypatch.setenv("PLAYGATE_SAFETY_MARGIN_S", "1")
    with RedisServer() as redis:
        monkeypatch.setenv("PLAYGATE_STORE", f"{redis.url}?prefix=sweep-{uuid.uuid4().hex}:")
        warm = _sweep()  # a kept-alive connection hangs too
        assert "error" not in warm, warm
        redis.pause()  # connections are accepted by the kernel, nothing is ever answered
        redis_waits.clear()
        try:
            summary = _sweep()
        finally:
            redis.resume()

    assert summary["error"]["reason"] == "deadline_exceeded", summary
    assert redis_waits and max(redis_waits) <= SWEEP_BUDGET_S, (
        f"socket waits past the deadline: {redis_waits}"
    )
