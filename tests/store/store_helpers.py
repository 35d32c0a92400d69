"""Helpers shared by the store tests (a uniquely named module: conftest modules are not importable)."""

from __future__ import annotations

from waiting import eventually


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


def claim_and_crash(url: str, claims: list[tuple[str, float]], results) -> None:
    """Acquire each ``(key, in-progress TTL)`` and die without completing or releasing any, as a killed FC
    instance would; reports ``[(status, token)]``."""
    import os

    from playgate.store import open_store

    store = open_store(url)
    taken = [store.claim(key, in_progress_ttl_s=ttl_s) for key, ttl_s in claims]
    results.put([(claim.status.name, claim.token) for claim in taken])
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
