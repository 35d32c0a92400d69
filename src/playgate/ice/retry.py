"""Retrying one ICE call: capped exponential backoff with full jitter, inside a time budget.

The budget is the earlier of the client's own (``PLAYGATE_ICE_DEADLINE_S`` from the first attempt) and the
caller's deadline (in FC: the function's deadline minus a safety margin). No attempt starts with less
than ``min_attempt_s`` left, each attempt's timeout is cut to the time that is left, and no backoff sleep
runs past the budget. This module knows nothing about ICE: the caller says what is retryable.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# One generator for the process: seeding a new Random() reads the OS entropy pool, about 1 ms of CPU a call.
_JITTER = random.Random()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    budget_s: float = 20.0
    timeout_s: float = 5.0
    base_s: float = 0.1
    cap_s: float = 2.0
    min_attempt_s: float = 0.05

    def backoff_s(self, failures: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(failures-1))]."""
        return rng.uniform(0.0, min(self.cap_s, self.base_s * 2 ** max(0, failures - 1)))


@dataclass
class GiveUp(Exception):
    """Retrying stopped: ``why`` is ``attempts``, ``budget`` or ``deadline`` (the caller's deadline)."""

    why: str
    attempts: int
    elapsed_s: float
    last: BaseException | None = field(default=None)

    def __str__(self) -> str:
        return f"gave up ({self.why}) after {self.attempts} attempt(s) in {self.elapsed_s:.2f} s"


def run_with_retries(
    attempt: Callable[[float], T],
    *,
    retryable: Callable[[BaseException], bool],
    policy: RetryPolicy,
    deadline: float | None = None,
    retry_after: Callable[[BaseException], float | None] = lambda _exc: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Call ``attempt(timeout_s)`` until it returns, raises a final error, or the budget runs out.

    Final (non-retryable) exceptions propagate unchanged; running out raises :class:`GiveUp`.
    """
    rng = rng or _JITTER
    start = clock()
    budget_end = start + policy.budget_s
    end = budget_end if deadline is None else min(budget_end, deadline)
    binding = "deadline" if deadline is not None and deadline <= budget_end else "budget"
    last: BaseException | None = None
    attempts = 0
    while True:
        remaining = end - clock()
        if remaining < policy.min_attempt_s - 1e-6:
            raise GiveUp(binding, attempts, clock() - start, last)
        attempts += 1
        try:
            return attempt(min(policy.timeout_s, remaining))
        except Exception as exc:
            if not retryable(exc):
                raise
            last = exc
        if attempts >= policy.max_attempts:
            raise GiveUp("attempts", attempts, clock() - start, last)
        delay = max(policy.backoff_s(attempts, rng), retry_after(last) or 0.0)
        room = end - clock() - policy.min_attempt_s
        if room <= 0 or not math.isfinite(delay):
            raise GiveUp(binding, attempts, clock() - start, last)
        sleep(min(delay, room))
