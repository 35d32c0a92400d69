"""Helpers shared by the store tests (a uniquely named module: conftest modules are not importable)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, timeout_s: float = 10.0, poll_s: float = 0.02) -> T:
    """Poll until ``probe`` returns something truthy (used to wait for a TTL to run out, not for threads)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        assert time.monotonic() < deadline, f"condition not reached within {timeout_s} s"
        time.sleep(poll_s)


# --- workers for the multi-process tests (spawned children import this small module, not the tests) ------
def race(url: str, keys: list[str], worker: int, barrier, results) -> None:
    """Claim every key once, completing those acquired; report (worker, acquired keys, other answers)."""
    from playgate.store import ClaimStatus, open_store

    store = open_store(url)
    acquired, others = [], []
    barrier.wait(30)
    for key in keys:
        claim = store.claim(key, in_progress_ttl_s=60)
        if claim.status is ClaimStatus.ACQUIRED:
            store.complete(key, claim.token, {"worker": worker}, ttl_s=600)
            acquired.append(key)
        else:
            others.append(claim.status.name)
    store.close()
    results.put((worker, acquired, others))


def claim_and_crash(url: str, key: str, ttl_s: float, results) -> None:
    """Acquire the key and die without completing or releasing it, as a killed FC instance would."""
    import os

    from playgate.store import open_store

    claim = open_store(url).claim(key, in_progress_ttl_s=ttl_s)
    results.put((claim.status.name, claim.token, claim.expires_at))
    results.close()
    results.join_thread()  # the report must leave before the crash; nothing else is cleaned up
    os._exit(3)


def take_over(url: str, key: str, results) -> None:
    """Wait until the key can be acquired, then complete it."""
    from playgate.store import ClaimStatus, open_store

    store = open_store(url)
    claim = eventually(
        lambda: (c := store.claim(key, in_progress_ttl_s=60)).status is ClaimStatus.ACQUIRED and c
    )
    store.complete(key, claim.token, {"by": "taker"}, ttl_s=600)
    store.close()
    results.put(claim.token)
