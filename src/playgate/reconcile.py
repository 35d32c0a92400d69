"""The reconciler: sweep ListMediaInfoJobs and send every finished job through the same gate.

ICE drops a callback after three failed tries, and media-information jobs have no callback at all. A
timer-triggered sweep walks the jobs created in a window, oldest first, page by page (memory stays flat),
and gates each finished job with an idempotency key from its job id, so a job already handled by an
earlier sweep publishes nothing.

The window runs from the stored watermark minus an overlap (for jobs that appear late) to now minus a
settle delay. The watermark only moves past jobs that were handled: it stops at the first job that is
still running (``Init``) or failed retryably, so the next sweep looks at it again. The sweep stops
cleanly before the function's time runs out and saves the watermark where it got to. A misconfigured
function (``Misconfigured``: credentials, role, endpoint) stops the sweep at the first job that meets it
and fails the invocation: no other job is tried, none is recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import Any

from playgate import log
from playgate.errors import DeadlineExceeded, Misconfigured, PlaygateError
from playgate.events import IceEvent
from playgate.ice.values import parse_time

WATERMARK_KEY = "reconcile:watermark"
FINISHED = {"Success", "Fail"}
PAGE = 100

OnJob = Callable[[dict[str, Any], str], None]  # (the job, what became of it), in the sweep's own thread


class RateLimiter:
    """At most ``rate`` acquisitions per second across threads (ICE limits are per account)."""

    def __init__(self, rate: float, *, clock: Any = time.monotonic, sleep: Any = time.sleep) -> None:
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self.next_at = clock()
        self.lock = threading.Lock()
        self.acquired = 0

    def acquire(self) -> None:
        with self.lock:
            self.acquired += 1
            now = self.clock()
            wait = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if wait > 0:
            self.sleep(wait)


@dataclass
class SweepResult:
    window_start: str
    window_end: str
    jobs_seen: int = 0
    pending: int = 0
    published: int = 0
    would_gate: int = 0  # a dry run's count of what it would have gated (it publishes nothing)
    duplicates: int = 0
    retry_later: int = 0
    dead_lettered: int = 0
    ice_calls: int = 0
    watermark: str | None = None
    stopped_early: bool = False
    dry_run: bool = False
    by_message: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def window(
    store: Any, settings: Any, *, now: datetime, deadline: float | None = None
) -> tuple[datetime, datetime]:
    end = now - timedelta(seconds=settings.reconcile_settle_s)
    stored = store.get_value(WATERMARK_KEY, deadline=deadline)
    mark, _ = parse_time(stored)
    if mark is None:
        return end - timedelta(seconds=settings.reconcile_initial_lookback_s), end
    return mark - timedelta(seconds=settings.reconcile_overlap_s), end


def job_time(job: dict[str, Any]) -> datetime | None:
    created, _ = parse_time(job.get("SubmitTime") or job.get("CreateTime"))
    return created


class Sweep:
    """One pass over a window. ``run()`` returns a summary; it never raises for a single job."""

    def __init__(
        self,
        runtime: Any,
        *,
        start: datetime,
        end: datetime,
        deadline: float | None = None,
        dry_run: bool = False,
        store_watermark: bool = True,
        page_size: int = PAGE,
        on_job: OnJob | None = None,
    ) -> None:
        self.runtime = runtime
        self.on_job = on_job
        self.page_size = page_size
        self.gate = runtime.gate
        self.settings = runtime.settings
        self.start, self.end = start, end
        self.deadline = deadline
        self.dry_run = dry_run
        self.store_watermark = store_watermark and not dry_run
        self.result = SweepResult(window_start=_iso(start), window_end=_iso(end), dry_run=dry_run)
        self.frozen = False  # set at the first job that was not handled: the watermark stays before it
        self.misconfigured: Misconfigured | None = None  # set by the first job that met it: no other is tried
        self.logger = log.get_logger("playgate.reconcile")
        self.limiter = self.gate.ice.rate_limiter = RateLimiter(self.settings.reconcile_max_qps)

    def run(self) -> SweepResult:
        jobs = self.gate.ice.list_media_info_jobs(
            self.start, self.end, page_size=self.page_size, deadline=self.deadline
        )
        handle = self._plan if self.dry_run else self._handle
        try:
            with ThreadPoolExecutor(max_workers=self.settings.reconcile_parallelism) as pool:
                try:
                    for batch in _batches(jobs, self.page_size):
                        if self._out_of_time():
                            raise DeadlineExceeded("sweep stops; the next run carries on from the watermark")
                        for job, category in zip(batch, pool.map(handle, batch), strict=True):
                            self._record(job, category)
                        self._save_watermark()
                        if self.misconfigured is not None:
                            raise self.misconfigured
                except DeadlineExceeded:
                    self.result.stopped_early = True
        finally:
            self.gate.ice.rate_limiter = None  # the ceiling holds for sweeps only
        if not self.frozen and not self.result.stopped_early:
            self.result.watermark = _iso(self.end)  # every job created up to the window's end is handled
            self._save_watermark()
        self.result.ice_calls = self.limiter.acquired
        self.logger.info("reconcile.done", **self.result.as_dict())
        return self.result

    def _handle(self, job: dict[str, Any]) -> str:
        """Gate one job (in a worker thread) and say what became of it."""
        if job.get("Status") not in FINISHED:
            return "pending"
        if self.misconfigured is not None:
            return "retry_later"
        event = IceEvent.from_media_info_job(job)
        try:
            outcome = self.gate.process(event, deadline=self.deadline)
        except Misconfigured as error:
            self.misconfigured = error
            return "retry_later"
        except PlaygateError as error:
            if error.retryable:
                return "retry_later"
            self.runtime.publisher.dead_letter(
                error.reason, error.as_dict(), event.raw_callback(), delivery_id=event.job_id
            )
            return "dead_lettered"
        except Exception:  # an unexpected bug: keep the job for the next sweep, loudly
            self.logger.exception("reconcile.job_error", job_id=job.get("JobId"))
            return "retry_later"
        if outcome.status == "published":
            return f"published:{outcome.message_type}"
        return "duplicates" if outcome.status == "duplicate" else "skipped"

    def _plan(self, job: dict[str, Any]) -> str:
        """Dry run: say what a sweep would do; publish nothing, move nothing."""
        if job.get("Status") not in FINISHED:
            return "pending"
        claim = self.gate.store.get(IceEvent.from_media_info_job(job).idempotency_key)
        done = claim is not None and claim.status.name == "COMPLETED"
        return "duplicates" if done else "would_gate"

    def _record(self, job: dict[str, Any], category: str) -> None:
        """Count the job (in the sweep's own thread) and move the watermark only past handled jobs."""
        r = self.result
        r.jobs_seen += 1
        kind, _, message_type = category.partition(":")
        if kind == "published":
            r.published += 1
            r.by_message[message_type] = r.by_message.get(message_type, 0) + 1
        elif kind in {"pending", "duplicates", "retry_later", "dead_lettered", "would_gate"}:
            setattr(r, kind, getattr(r, kind) + 1)
        if kind in {"pending", "retry_later"}:
            self.frozen = True
        created = job_time(job)
        if not self.frozen and created is not None:
            r.watermark = _iso(created)
        if self.on_job is not None:
            self.on_job(job, category)

    def _save_watermark(self) -> None:
        if self.store_watermark and self.result.watermark:
            self.gate.store.set_value(WATERMARK_KEY, self.result.watermark, deadline=self.deadline)

    def _out_of_time(self) -> bool:
        # Leave room for one more page of work: the sweep must end before FC's timeout, not at it.
        return self.deadline is not None and time.monotonic() > self.deadline - self.settings.ice_deadline_s


def _batches(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def sweep(
    runtime: Any,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    deadline: float | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
    page_size: int = PAGE,
    on_job: OnJob | None = None,
) -> SweepResult:
    """Sweep an explicit window (a backfill), or the stored watermark's window when none is given."""
    now = now or datetime.now(timezone.utc)
    auto_start, auto_end = window(runtime.gate.store, runtime.settings, now=now, deadline=deadline)
    explicit = start is not None
    return Sweep(
        runtime,
        start=start or auto_start,
        end=end or auto_end,
        deadline=deadline,
        dry_run=dry_run,
        store_watermark=not explicit,
        page_size=page_size,
        on_job=on_job,
    ).run()


# --- Function Compute entry points (timer trigger) ----------------------------------------------------
_runtime: Any = None


def initialize(context: Any) -> None:
    global _runtime
    from playgate.handler import build_runtime

    _runtime = build_runtime(context)


def handler(event: bytes, context: Any) -> str:
    """Timer trigger: sweep from the watermark. A failed listing is logged and retried at the next tick; a
    misconfigured function is logged in one line and fails the invocation."""
    import json

    from playgate.handler import deadline_from, log_misconfigured

    started = time.monotonic()
    if _runtime is None:
        initialize(context)
    with log.invocation(request_id=getattr(context, "request_id", None)):
        try:
            result = sweep(_runtime, deadline=deadline_from(context, _runtime.settings, started))
        except Misconfigured as error:  # the invocation fails: FC shows it; the watermark waits
            log_misconfigured(error)
            raise
        except PlaygateError as error:
            logger = log.get_logger("playgate.reconcile")
            logger.error("reconcile.failed", reason=error.reason, error=str(error))
            return json.dumps({"error": error.as_dict()})
    return json.dumps(result.as_dict())
