"""The idempotency store: one record per event key, claimed atomically, completed with its outcome.

A record is *in progress* (claimed, expiring, held by a token), *completed* (with the outcome, kept for a
TTL) or absent. An in-progress claim whose holder crashed or timed out expires, and the next delivery
acquires it; a completed record that outlived its TTL is gone and the key can be claimed again. This is the
INPROGRESS / COMPLETED / EXPIRED life cycle of Powertools' idempotency records, with EXPIRED meaning "absent".
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, overload, runtime_checkable

from playgate.errors import DeadlineExceeded, RetryableError


class ClaimStatus(Enum):
    ACQUIRED = "acquired"  # this caller holds the key now (new, or taken over from an expired claim)
    IN_PROGRESS = "in_progress"  # someone else holds a live claim
    COMPLETED = "completed"  # the event was handled; ``outcome`` says how


@dataclass(frozen=True)
class Claim:
    status: ClaimStatus
    key: str
    outcome: dict[str, Any] | None = None
    expires_at: float | None = None  # epoch seconds: when the claim or the completed record expires
    token: str | None = None  # only on ACQUIRED: proof of ownership for complete() and release()


class ClaimLost(RetryableError):
    """``complete`` was called by a caller whose claim expired and was taken by another instance.

    Retryable: a redelivery finds the other holder's record (in progress or completed) and does not
    publish again.
    """

    reason = "claim_lost"

    @classmethod
    def taken_by_another(cls, key: str, *, completed: bool) -> ClaimLost:
        held = "completed" if completed else "is handling"
        return cls(
            f"idempotency key {key!r}: this instance's claim expired and another instance {held} the "
            "event; the outcome was not recorded (raise the in-progress TTL if handling takes this long)"
        )


@runtime_checkable
class IdempotencyStore(Protocol):
    # ``deadline`` (a ``time.monotonic()`` instant, None for no bound) bounds every wait of a call: lock
    # waits, connects, reads and retries. A call with no time left raises DeadlineExceeded (retryable).
    def claim(self, key: str, *, in_progress_ttl_s: float, deadline: float | None = None) -> Claim:
        """Atomically: absent or expired → ACQUIRED (fresh token); live claim → IN_PROGRESS; completed →
        COMPLETED with its outcome."""

    def complete(
        self, key: str, token: str, outcome: dict[str, Any], *, ttl_s: float, deadline: float | None = None
    ) -> None:
        """Record the outcome, kept for ``ttl_s``. Accepted from the token's holder (again, too: a retried
        call is harmless) and when the record has expired and nobody else claimed it meanwhile; raises
        :class:`ClaimLost` when another claimant holds or completed the key."""

    def release(self, key: str, token: str, *, deadline: float | None = None) -> bool:
        """Drop the holder's in-progress claim so a redelivery can take the key at once. Returns False
        (and changes nothing) when the token no longer holds an in-progress claim."""

    def get(self, key: str, *, deadline: float | None = None) -> Claim | None:
        """The live record (IN_PROGRESS or COMPLETED, never with a token), or None when absent/expired."""

    def get_value(self, name: str, *, deadline: float | None = None) -> str | None:
        """A small named value (the reconciler's watermark), or None when never set."""

    def set_value(self, name: str, value: str, *, deadline: float | None = None) -> None: ...

    def close(self) -> None: ...


def check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError(f"an idempotency key must be a non-empty string, got {key!r}")


def check_ttl(name: str, ttl_s: float) -> None:
    if not isinstance(ttl_s, int | float) or not math.isfinite(ttl_s) or ttl_s <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {ttl_s!r}")


@overload
def time_left(deadline: float, what: str) -> float: ...
@overload
def time_left(deadline: None, what: str) -> None: ...
def time_left(deadline: float | None, what: str) -> float | None:
    """Seconds left until ``deadline`` (None: unbounded); raises DeadlineExceeded when none is left."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded(
            f"{what}: no time left before the function times out; the event will be retried"
        )
    return left


def in_progress_ttl(remaining_ms: int | None, *, default_s: float, margin_s: float = 1.0) -> float:
    """How long a claim should stay in progress: until the function would time out, plus a small margin.

    ``remaining_ms`` is FC's ``context.get_remaining_time_in_millis()`` (None outside FC → ``default_s``).
    An instance that crashes or times out thereby frees its events for redelivery soon after.
    """
    if remaining_ms is None:
        return float(default_s)
    return max(1.0, remaining_ms / 1000.0 + margin_s)


def wait_for(store: IdempotencyStore, key: str, *, timeout_s: float, poll_s: float = 0.1) -> Claim | None:
    """Wait while another instance holds ``key``.

    Returns the COMPLETED record as soon as there is one, None as soon as the key is free (released or
    expired: the caller may claim it), or the IN_PROGRESS record when ``timeout_s`` ran out.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        record = store.get(key)
        if record is None or record.status is not ClaimStatus.IN_PROGRESS:
            return record
        left = deadline - time.monotonic()
        if left <= 0:
            return record
        time.sleep(min(poll_s, left))


@runtime_checkable
class DeliveryRecord(Protocol):
    """Which sinks already took a message (by CloudEvent id): a redelivery sends only to the others."""

    def delivered_sinks(self, message_id: str) -> set[str]: ...

    def mark_delivered(self, message_id: str, sink: str, *, ttl_s: float) -> None: ...


@runtime_checkable
class RateSlots(Protocol):
    """A sliding window of sends shared by every instance using the store (a chat robot's rate limit)."""

    def take_slot(self, name: str, limit: int, *, window_s: float, keep: int = 0) -> bool:
        """Atomically: fewer than ``limit - keep`` sends in the last ``window_s`` → record one, True."""


@runtime_checkable
class HeldItems(Protocol):
    """Small items held for a later message (a robot's digest), shared by every instance using the store."""

    def push_item(self, name: str, item: str, *, max_items: int, ttl_s: float) -> None:
        """Append ``item``; only the newest ``max_items`` are kept, for ``ttl_s``."""

    def take_items(self, name: str) -> list[str]:
        """Atomically return every held item, oldest first, and forget them."""

    def count_items(self, name: str) -> int: ...
