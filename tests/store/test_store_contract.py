"""The idempotency store contract: every test runs against SQLite, a real redis-server and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest

from playgate.store import Claim, ClaimLost, ClaimStatus, IdempotencyStore, open_store, wait_for
from waiting import eventually

LONG = 300.0
SHORT = 0.05
OUTCOME = {"status": "published", "id": "8f1e", "detail": {"renditions": [720, 1080], "title": "Ü ✓"}}


def acquire(store: IdempotencyStore, key: str, ttl_s: float = LONG) -> Claim:
    claim = store.claim(key, in_progress_ttl_s=ttl_s)
    assert claim.status is ClaimStatus.ACQUIRED
    return claim


def claim_after_expiry(store: IdempotencyStore, key: str) -> Claim:
    return eventually(
        lambda: (c := store.claim(key, in_progress_ttl_s=LONG)).status is ClaimStatus.ACQUIRED and c
    )


def test_a_new_key_is_acquired_with_a_token_until_the_in_progress_ttl(store):
    before = time.time()
    claim = store.claim("transcode:job-1:media-1", in_progress_ttl_s=60)
    assert claim.status is ClaimStatus.ACQUIRED
    assert claim.key == "transcode:job-1:media-1"
    assert claim.token and len(claim.token) >= 16
    assert claim.outcome is None
    assert before + 59 <= claim.expires_at <= time.time() + 61


def test_a_duplicate_of_a_live_claim_reports_in_progress_without_the_token(store):
    first = acquire(store, "k", ttl_s=60)
    second = store.claim("k", in_progress_ttl_s=60)
    assert second.status is ClaimStatus.IN_PROGRESS
    assert second.token is None
    assert second.outcome is None
    assert abs(second.expires_at - first.expires_at) < 5


def test_a_duplicate_of_a_completed_event_gets_the_recorded_outcome(store):
    claim = acquire(store, "k")
    store.complete("k", claim.token, OUTCOME, ttl_s=3600)
    duplicate = store.claim("k", in_progress_ttl_s=LONG)
    assert duplicate.status is ClaimStatus.COMPLETED
    assert duplicate.outcome == OUTCOME
    assert duplicate.token is None
    assert time.time() + 3500 < duplicate.expires_at <= time.time() + 3601


def test_each_claim_gets_a_distinct_token(store):
    tokens = {acquire(store, f"k{i}").token for i in range(20)}
    assert len(tokens) == 20


def test_keys_are_independent_and_may_hold_any_characters(store):
    keys = ["a:b:c", "a:b", "with space", "ünïcødé/媒体", "x" * 500]
    claims = {key: acquire(store, key) for key in keys}
    store.complete("a:b", claims["a:b"].token, {"n": 1}, ttl_s=60)
    assert store.claim("a:b:c", in_progress_ttl_s=LONG).status is ClaimStatus.IN_PROGRESS
    assert store.claim("a:b", in_progress_ttl_s=LONG).outcome == {"n": 1}
    assert store.get("ünïcødé/媒体").status is ClaimStatus.IN_PROGRESS


def test_an_expired_in_progress_claim_is_acquired_again_with_a_fresh_token(store):
    crashed = acquire(store, "k", ttl_s=SHORT)
    taken_over = claim_after_expiry(store, "k")
    assert taken_over.token != crashed.token
    assert store.claim("k", in_progress_ttl_s=LONG).status is ClaimStatus.IN_PROGRESS


def test_a_completed_record_expires_after_its_ttl_and_the_key_can_be_claimed_again(store):
    claim = acquire(store, "k")
    store.complete("k", claim.token, OUTCOME, ttl_s=SHORT)
    eventually(lambda: store.get("k") is None)
    assert acquire(store, "k").token != claim.token


def test_release_frees_the_key_for_the_next_delivery_at_once(store):
    claim = acquire(store, "k")
    assert store.release("k", claim.token) is True
    assert store.get("k") is None
    assert acquire(store, "k").token != claim.token


def test_release_with_another_token_changes_nothing(store):
    claim = acquire(store, "k")
    assert store.release("k", "not-the-token") is False
    assert store.claim("k", in_progress_ttl_s=LONG).status is ClaimStatus.IN_PROGRESS
    store.complete("k", claim.token, OUTCOME, ttl_s=60)


def test_release_never_drops_a_completed_record(store):
    claim = acquire(store, "k")
    store.complete("k", claim.token, OUTCOME, ttl_s=60)
    assert store.release("k", claim.token) is False
    assert store.get("k").outcome == OUTCOME


def test_release_of_an_unknown_key_is_a_no_op(store):
    assert store.release("never-claimed", "token") is False


def test_complete_with_a_wrong_token_raises_claim_lost_and_leaves_the_holder_in_charge(store):
    claim = acquire(store, "k")
    with pytest.raises(ClaimLost, match="'k'") as raised:
        store.complete("k", "not-the-token", {"x": 1}, ttl_s=60)
    assert raised.value.retryable
    assert store.get("k").status is ClaimStatus.IN_PROGRESS
    store.complete("k", claim.token, OUTCOME, ttl_s=60)
    assert store.get("k").outcome == OUTCOME


def test_a_holder_whose_claim_was_taken_over_cannot_complete(store):
    slow = acquire(store, "k", ttl_s=SHORT)
    fast = claim_after_expiry(store, "k")
    with pytest.raises(ClaimLost, match="another instance is handling"):
        store.complete("k", slow.token, {"who": "slow"}, ttl_s=60)
    store.complete("k", fast.token, {"who": "fast"}, ttl_s=60)
    with pytest.raises(ClaimLost, match="another instance completed"):
        store.complete("k", slow.token, {"who": "slow"}, ttl_s=60)
    assert store.get("k").outcome == {"who": "fast"}


def test_a_holder_whose_claim_expired_unclaimed_may_still_record_its_outcome(store):
    slow = acquire(store, "k", ttl_s=SHORT)
    eventually(lambda: store.get("k") is None)
    store.complete("k", slow.token, OUTCOME, ttl_s=60)
    assert store.claim("k", in_progress_ttl_s=LONG).outcome == OUTCOME


def test_completing_twice_with_the_same_token_is_harmless(store):
    claim = acquire(store, "k")
    store.complete("k", claim.token, {"attempt": 1}, ttl_s=60)
    store.complete("k", claim.token, {"attempt": 2}, ttl_s=60)
    assert store.get("k").outcome == {"attempt": 2}


def test_get_shows_the_live_record_without_ever_revealing_the_token(store):
    assert store.get("k") is None
    acquire(store, "k")
    in_progress = store.get("k")
    assert (in_progress.status, in_progress.token, in_progress.outcome) == (
        ClaimStatus.IN_PROGRESS,
        None,
        None,
    )
    assert store.claim("k", in_progress_ttl_s=LONG).status is ClaimStatus.IN_PROGRESS  # get claims nothing


def test_records_survive_closing_and_reopening_the_store(store_url):
    first = open_store(store_url)
    claim = acquire(first, "k")
    first.complete("k", claim.token, OUTCOME, ttl_s=60)
    first.set_value("watermark", "2024-05-01T00:00:00Z")
    first.close()
    second = open_store(store_url)
    try:
        assert second.claim("k", in_progress_ttl_s=LONG).outcome == OUTCOME
        assert second.get_value("watermark") == "2024-05-01T00:00:00Z"
    finally:
        second.close()


def test_named_values_are_kept_overwritten_and_separate_from_idempotency_keys(store):
    assert store.get_value("reconcile.watermark") is None
    store.set_value("reconcile.watermark", "1714521600.5")
    store.set_value("other", "x")
    store.set_value("reconcile.watermark", "1714525200.0")
    assert store.get_value("reconcile.watermark") == "1714525200.0"
    assert store.get_value("other") == "x"
    assert store.get("reconcile.watermark") is None
    assert acquire(store, "reconcile.watermark")
    assert store.get_value("reconcile.watermark") == "1714525200.0"


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf")])
def test_a_ttl_that_is_not_a_positive_number_is_refused(store, ttl):
    with pytest.raises(ValueError, match="in_progress_ttl_s"):
        store.claim("k", in_progress_ttl_s=ttl)
    claim = acquire(store, "k")
    with pytest.raises(ValueError, match="ttl_s"):
        store.complete("k", claim.token, OUTCOME, ttl_s=ttl)


def test_an_empty_key_is_refused(store):
    with pytest.raises(ValueError, match="non-empty"):
        store.claim("", in_progress_ttl_s=LONG)


def test_a_waiting_duplicate_gets_the_outcome_when_the_holder_completes(store):
    claim = acquire(store, "k")
    holder_may_complete = threading.Event()

    def holder() -> None:
        holder_may_complete.wait(10)
        store.complete("k", claim.token, OUTCOME, ttl_s=60)

    thread = threading.Thread(target=holder)
    thread.start()
    holder_may_complete.set()
    result = wait_for(store, "k", timeout_s=10, poll_s=0.01)
    thread.join()
    assert result.status is ClaimStatus.COMPLETED
    assert result.outcome == OUTCOME


def test_a_waiting_duplicate_learns_at_once_that_a_released_key_is_free(store):
    claim = acquire(store, "k")
    store.release("k", claim.token)
    assert wait_for(store, "k", timeout_s=10, poll_s=0.01) is None


def test_a_waiting_duplicate_gives_up_with_in_progress_when_the_holder_takes_too_long(store):
    acquire(store, "k")
    result = wait_for(store, "k", timeout_s=0.05, poll_s=0.01)
    assert result.status is ClaimStatus.IN_PROGRESS
