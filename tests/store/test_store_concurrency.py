"""Many processes (and threads) racing for the same keys, and a holder that crashes: each key is acquired
exactly once while its claim lives, and a crashed holder's key is taken over after its in-progress TTL."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

import store_helpers

from playgate.store import ClaimStatus, open_store

WORKERS = 4
KEYS = [f"TranscodeComplete:job-{i:04d}:media-{i:04d}" for i in range(200)]
SPAWN = multiprocessing.get_context("spawn")


def test_processes_racing_for_the_same_keys_acquire_each_key_exactly_once(store_url):
    barrier, results = SPAWN.Barrier(WORKERS), SPAWN.Queue()
    procs = [
        SPAWN.Process(target=store_helpers.race, args=(store_url, KEYS, w, barrier, results))
        for w in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    reports = [results.get(timeout=30) for _ in procs]
    for proc in procs:
        proc.join(10)
        assert proc.exitcode == 0

    acquired = Counter(key for _, keys, _ in reports for key in keys)
    assert set(acquired) == set(KEYS)
    assert set(acquired.values()) == {1}
    others = Counter(status for _, _, statuses in reports for status in statuses)
    assert sum(others.values()) == (WORKERS - 1) * len(KEYS)
    assert set(others) <= {"IN_PROGRESS", "COMPLETED"}

    winner = {key: worker for worker, keys, _ in reports for key in keys}
    store = open_store(store_url)
    try:
        assert all(store.get(key).outcome == {"worker": winner[key]} for key in KEYS)
    finally:
        store.close()


def test_threads_sharing_one_store_acquire_each_key_exactly_once(store):
    acquired: list[str] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait(10)
        for key in KEYS:
            claim = store.claim(key, in_progress_ttl_s=60)
            if claim.status is ClaimStatus.ACQUIRED:
                acquired.append(key)
                store.complete(key, claim.token, {}, ttl_s=600)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(acquired) == sorted(KEYS)


def test_a_crashed_holders_key_is_taken_over_by_another_process_after_the_in_progress_ttl(store_url):
    held, expiring = "TranscodeComplete:job-held:media-crash", "TranscodeComplete:job-crash:media-crash"
    results = SPAWN.Queue()
    claims = [(held, 3600.0), (expiring, 1.0)]  # one claim outlives the test, one expires in a second
    crasher = SPAWN.Process(target=store_helpers.claim_and_crash, args=(store_url, claims, results))
    crasher.start()
    [(held_status, _), (status, crashed_token)] = results.get(timeout=30)
    crasher.join(10)
    assert (held_status, status, crasher.exitcode) == ("ACQUIRED", "ACQUIRED", 3)

    store = open_store(store_url)
    try:
        # the crashed holder's claim is honoured while it lives: nobody else takes the key
        assert store.claim(held, in_progress_ttl_s=60).status is ClaimStatus.IN_PROGRESS
        taker = SPAWN.Process(target=store_helpers.take_over, args=(store_url, expiring, results))
        taker.start()
        taker_token = results.get(timeout=30)
        taker.join(10)
        assert taker.exitcode == 0
        assert taker_token != crashed_token
        assert store.get(expiring).outcome == {"by": "taker"}
        assert store.get(held).status is ClaimStatus.IN_PROGRESS
    finally:
        store.close()
