"""One ICE event through the whole gate — read it top to bottom.

claim the idempotency key → a failed job alerts → otherwise fetch the media (GetMediaInfo ∥ GetPlayInfo)
→ choose the profile → evaluate → publish → record the outcome.

Retryable failures release the claim and raise, so FC / EventBridge deliver the event again; so does a
misconfigured function (its credentials, role or endpoint: ``Misconfigured``), which no event is to blame
for. Only what is wrong with the one media (not found, not ready in time, a request ICE rejects for its
ids) becomes a ``qc.alert`` and completes the record: never retried and never silent.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from playgate import log
from playgate.errors import (
    EventInProgress,
    InvalidRequest,
    MediaNotFound,
    MediaNotReady,
    MediaStillPreparing,
    PlaygateError,
    Unconfirmed,
)
from playgate.events import MEDIA_INFO_EVENT_TYPE, IceEvent, mediaconvert, should_check
from playgate.ice.model import MediaSnapshot, build_snapshot
from playgate.publish import cloudevents
from playgate.publish import messages as msg
from playgate.settings import Settings
from playgate.store.base import ClaimStatus, IdempotencyStore
from playgate.store.ledger import Ledger, Verdict, VerdictStore

if TYPE_CHECKING:
    from playgate.rules.report import Report
    from playgate.seams import IceAccess, Publishing, RuleSet
    from playgate.store.base import Claim

IN_PROGRESS_POLL_S = 0.1
# The only failures that are the one media's (any other media would not get them): they complete its record
MEDIA_ERRORS = (MediaNotFound, MediaNotReady, InvalidRequest)
# ICE media statuses that end by themselves: an event that finds one is retried, not alerted (at first)
PREPARING_STATUSES = frozenset({"Init", "Preparing", "Processing", "Uploading"})


@dataclass
class Outcome:
    """What happened to one event, for the invocation's summary, the logs and the demo table."""

    key: str | None
    status: str  # published | duplicate | skipped | dead_letter | retry
    message_type: str | None = None
    destination: str | None = None
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    outputs: list[dict[str, Any]] | None = None  # a MediaConvert event: each output media's outcome
    skipped_outputs: list[dict[str, str]] | None = None  # …and the outputs not gated, with the reason
    verdict: Verdict | None = None  # what the ledger kept; the handler logs it as the event's last line

    def as_dict(self) -> dict[str, Any]:
        data = {
            "key": self.key,
            "status": self.status,
            "message_type": self.message_type,
            "destination": self.destination,
            "reason": self.reason,
            "outputs": self.outputs,
            "skipped_outputs": self.skipped_outputs,
        }
        return {k: v for k, v in data.items() if v is not None}


class Gate:
    def __init__(
        self,
        *,
        settings: Settings,
        ice: IceAccess,
        rules: RuleSet,
        store: IdempotencyStore,
        publisher: Publishing,
        ledger: Ledger | None = None,
    ) -> None:
        self.settings = settings
        self.ice = ice
        self.rules = rules
        self.store = store
        self.publisher = publisher
        self.ledger = ledger  # where verdicts are kept: the store itself, another database, or nowhere
        # the store keeps the verdicts itself: it completes a claim and records its verdict in one go
        self._verdict_store = store if ledger is store and isinstance(store, VerdictStore) else None
        self.source = f"playgate/{settings.function_name}"

    def process(self, event: IceEvent, *, deadline: float | None = None) -> Outcome:
        if not should_check(event, self.settings.checked_types):
            return Outcome(key=None, status="skipped", reason=f"event type {event.event_type} is not gated")
        fanned = mediaconvert.fan_out(event)
        if fanned is not None:
            return self._process_outputs(event, *fanned, deadline=deadline)
        return self._process_one(event, deadline)

    def _process_outputs(
        self,
        event: IceEvent,
        events: list[IceEvent],
        skipped: list[mediaconvert.Skipped],
        *,
        deadline: float | None,
    ) -> Outcome:
        """Each output media of a MediaConvert event under its own key: gated once, whichever event brings
        it. A retryable failure raises after the outputs before it completed; they are duplicates then."""
        for skip in skipped:
            log.get_logger().info("mediaconvert.output_skipped", output=skip.output, reason=skip.reason)
        outcomes = [self._process_one(e, deadline) for e in events]
        statuses = {o.status for o in outcomes}
        status = "published" if "published" in statuses else ("duplicate" if statuses else "skipped")
        return Outcome(
            key=event.idempotency_key,
            status=status,
            reason=None if outcomes else "no output of this MediaConvert event is a media asset",
            outputs=[{**o.as_dict(), "media_id": e.media_id} for e, o in zip(events, outcomes, strict=True)],
            skipped_outputs=[s.as_dict() for s in skipped],
        )

    def _process_one(self, event: IceEvent, deadline: float | None) -> Outcome:
        if event.event_type == MEDIA_INFO_EVENT_TYPE and not event.confirmed_by_ice:
            event = self._media_info_job_from_ice(event, deadline)
        key = event.idempotency_key
        claim = self._claim(key, deadline)
        if claim.status is ClaimStatus.COMPLETED:
            return Outcome(key=key, status="duplicate", detail=claim.outcome or {})
        token = claim.token
        assert token is not None, "an acquired claim carries its token"
        try:
            message, timings = self._decide(event, deadline)
            destination = self.publisher.publish(message, deadline=deadline)
        except BaseException:
            # nothing was published: let a redelivery or a dead-letter replay claim it again (when the store
            # cannot be reached now, the claim expires shortly after the deadline; the first error counts)
            with contextlib.suppress(PlaygateError):
                self.store.release(key, token, deadline=self._finish_by(deadline))
            raise
        outcome = Outcome(
            key=key,
            status="published",
            message_type=message["type"],
            destination=destination,
            reason=message["data"].get("reason"),
            detail={"id": message["id"]},
        )
        verdict = verdict_of(event, message, self._sinks(message, destination), timings=timings)
        self._complete(key, token, outcome, verdict, self._finish_by(deadline))
        return outcome

    def _complete(
        self, key: str, token: str, outcome: Outcome, verdict: Verdict, deadline: float | None
    ) -> None:
        """Record the outcome and keep the verdict: in one transaction when the store is the ledger."""
        ttl_s = self.settings.completed_ttl_s
        if self._verdict_store is not None:
            self._verdict_store.complete(
                key, token, outcome.as_dict(), ttl_s=ttl_s, deadline=deadline, verdict=verdict
            )
        else:
            self.store.complete(key, token, outcome.as_dict(), ttl_s=ttl_s, deadline=deadline)
            self._keep(verdict, deadline)
        outcome.verdict = verdict

    def keep_dead_letter(self, event: IceEvent, error: PlaygateError, deadline: float | None) -> None:
        """A final failure that became a dead letter, not an alert: kept too, so ``status`` can say so."""
        if self.ledger is None:
            return
        verdict = Verdict(
            key=event.idempotency_key,
            outcome="dead_letter",
            decided_at=time.time(),
            media_id=event.media_id,
            job_id=event.job_id,
            event_type=event.event_type,
            event_time=event.event_time.timestamp(),
            reason=error.reason,
            message_type=cloudevents.DEAD_LETTER,
            report={"error": log.redact(error.as_dict())},
        )
        self._keep(verdict, self._finish_by(deadline))
        log_verdict(verdict)

    def _keep(self, verdict: Verdict, deadline: float | None) -> None:
        """Into the ledger, when there is one: the event is done, so a failure here is only logged."""
        if self.ledger is None:
            return
        try:
            self.ledger.record_verdict(verdict, deadline=deadline)
        except PlaygateError as error:
            log.get_logger().error(
                "verdict.not_recorded", key=verdict.key, reason=error.reason, error=str(error)
            )

    def _sinks(self, message: dict[str, Any], destination: str) -> dict[str, str]:
        """Where the message went: each sink its route wanted, delivered or failed (best effort)."""
        from playgate.publish.publisher import ROUTES

        setting, delivered = ROUTES[message["type"]], set(destination.split(","))
        routes = [r for r in self.publisher.routes_for(message["type"]) if r.wants(message)]
        shown = [self.publisher.sink(setting, r.url).url for r in routes]  # as the logs show it: no secrets
        return {url: "delivered" if url in delivered else "failed" for url in shown}

    def check(self, event: IceEvent, *, publish: bool, deadline: float | None = None) -> Verdict:
        """Gate a live media on demand (``playgate check``), claiming nothing: a re-check after a
        re-transcode. With ``publish`` the message goes out (its own CloudEvent id, ``recheck`` in its data)
        and the verdict is kept; without, nothing changes anywhere."""
        message, timings = self._decide(event, deadline)
        message["data"]["recheck"] = True
        if not publish:
            return verdict_of(event, message, {}, recheck=True, timings=timings)
        destination = self.publisher.publish(message, deadline=deadline)
        verdict = verdict_of(event, message, self._sinks(message, destination), recheck=True, timings=timings)
        if self.ledger is not None:
            self.ledger.record_verdict(verdict, deadline=deadline)
        log_verdict(verdict)
        return verdict

    # --- the decision --------------------------------------------------------------------------------
    def _decide(self, event: IceEvent, deadline: float | None) -> tuple[dict[str, Any], dict[str, float]]:
        """The message to publish, and how long the probe and the decode took (empty if they did not run)."""
        if event.status != "success":
            if event.http_auth is not None:  # nobody signs an HTTP body: ICE must know the media
                self._confirm_media(event, deadline)
            error = {"code": event.error_code, "message": event.error_message}
            return (self._alert(event, reason="job_failed", error=error), {})
        if not event.media_id and event.event_type != MEDIA_INFO_EVENT_TYPE:
            error = {
                "code": "MissingMediaId",
                "message": "the event carries no MediaId, so there is nothing to check",
            }
            return (self._alert(event, reason="media_not_found", error=error), {})
        try:
            snapshot, fetched_at = self._snapshot(event, deadline)
            self._require_ready(event, snapshot)
        except MEDIA_ERRORS as error:
            return (self._alert(event, reason=error.reason, error=error.as_dict()), {})
        report = self.rules.evaluate(
            snapshot, event_type=event.event_type, user_data=event.user_data, full=False
        )
        _log_unknown_profile(report, self.rules)
        report = self._probe(snapshot, report, deadline)
        if report.outcome == "fail":
            return (
                self._alert(event, reason="qc_failed", media_id=snapshot.media_id, report=report),
                report.timings,
            )
        if any(msg.playable(r) for r in snapshot.renditions):
            data = msg.playback_ready(
                event, snapshot, report, fetched_at=fetched_at, auth_timeout_s=self.settings.auth_timeout_s
            )
            return (self._message(cloudevents.PLAYBACK_READY, event, data), report.timings)
        return (
            self._message(cloudevents.QC_PASSED, event, msg.qc_passed(event, snapshot, report)),
            report.timings,
        )

    def _snapshot(self, event: IceEvent, deadline: float | None) -> tuple[MediaSnapshot, datetime]:
        """A callback's media comes from ICE; a media-information job carries its own MediaInfoProperty."""
        fetched_at = datetime.now(timezone.utc)
        if event.event_type != MEDIA_INFO_EVENT_TYPE:
            assert event.media_id, "an event without a MediaId is alerted before its media is fetched"
            return self.ice.fetch(event.media_id, deadline=deadline), fetched_at
        play_info = None
        if event.media_id:
            try:
                play_info = self.ice.get_play_info(event.media_id, deadline=deadline)
            except MediaNotFound:  # a media with no renditions (yet): its job's MediaInfoProperty is checked
                play_info = None
        return build_snapshot(play_info=play_info, jobs=[event.message_body]), fetched_at

    def _probe(self, snapshot: MediaSnapshot, report: Report, deadline: float | None) -> Report:
        """Fetch what viewers would (when the profile or PLAYGATE_PROBE asks): findings join the report."""
        from playgate.probe.gate import probe_snapshot

        return probe_snapshot(snapshot, report, self.rules, self.settings, deadline)

    # --- what a callback says, confirmed by ICE ------------------------------------------------------------
    def _media_info_job_from_ice(self, event: IceEvent, deadline: float | None) -> IceEvent:
        """A media-information job's result is only what ICE lists for its JobId, never what came in."""
        job = self.ice.get_media_info_job(event.job_id, deadline=deadline) if event.job_id else None
        if job is None:
            raise Unconfirmed(f"ICE lists no media-information job {event.job_id!r}: not published")
        return IceEvent.from_media_info_job(job)

    def _confirm_media(self, event: IceEvent, deadline: float | None) -> None:
        """The failed job's media exists in this account (GetMediaInfo), else nothing is published."""
        if not event.media_id:
            raise Unconfirmed("an HTTP callback of a failed job without a MediaId cannot be confirmed")
        try:
            self.ice.get_media_info(event.media_id, deadline=deadline)
        except MediaNotFound:
            raise Unconfirmed(
                f"ICE does not know media {event.media_id!r}: the alert is not published"
            ) from None

    def _require_ready(self, event: IceEvent, snapshot: MediaSnapshot) -> None:
        """A media still being prepared is asked for again until PLAYGATE_NOT_READY_MAX_AGE_S after its
        event; then, or at once for a status that does not end by itself, it alerts media_not_ready."""
        status = snapshot.info.status
        if status is None or status == "Normal":
            return
        age_s = (datetime.now(timezone.utc) - event.event_time).total_seconds()
        max_age_s = self.settings.not_ready_max_age_s
        # ICE gives up on an HTTP callback after two retries a second apart: waiting would lose it
        redelivered_later = event.delivery_source != "http"
        if status in PREPARING_STATUSES and age_s < max_age_s and redelivered_later:
            raise MediaStillPreparing(
                f"media {snapshot.media_id} is still {status!r} {_age(age_s)} after its event; the event "
                f"will be delivered again (until PLAYGATE_NOT_READY_MAX_AGE_S={max_age_s:g} s)",
                code=status,
            )
        waited = f" {_age(age_s)} after its event" if status in PREPARING_STATUSES else ""
        raise MediaNotReady(
            f"media {snapshot.media_id} has status {status!r}{waited}; the gate needs 'Normal'", code=status
        )

    def _alert(
        self,
        event: IceEvent,
        *,
        reason: str,
        media_id: str | None = None,
        report: Report | None = None,
        error: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        data = msg.qc_alert(event, reason=reason, media_id=media_id, report=report, error=error)
        return self._message(cloudevents.QC_ALERT, event, data)

    def _message(self, message_type: str, event: IceEvent, data: dict[str, Any]) -> dict[str, Any]:
        outcome = data.get("reason") or (data.get("qc") or {}).get("outcome") or "ok"
        return cloudevents.make_event(
            message_type,
            source=self.source,
            subject=data.get("media_id"),
            data=data,
            # the idempotency key names the job and media (and, for jobs without an id, the event time)
            id_parts=(event.idempotency_key, data.get("media_id") or "", message_type, outcome),
        )

    def _claim(self, key: str, deadline: float | None) -> Claim:
        """Claim the key; while another instance holds it, wait for it to finish or for its claim to expire.

        Acknowledging an in-progress duplicate would lose the event if its holder then crashed, so after
        waiting as long as time allows the duplicate is handed back for redelivery instead.
        """
        wait_until = time.monotonic() + self.settings.in_progress_wait_s
        if deadline is not None:
            wait_until = min(wait_until, deadline)
        while True:
            # no claim starts past the deadline: the store raises DeadlineExceeded and the event is retried
            claim = self.store.claim(key, in_progress_ttl_s=self._claim_ttl(deadline), deadline=deadline)
            if claim.status is not ClaimStatus.IN_PROGRESS:
                return claim
            if time.monotonic() + IN_PROGRESS_POLL_S > wait_until:
                raise EventInProgress(
                    f"event {key} is being handled by another instance; it will be redelivered"
                )
            time.sleep(IN_PROGRESS_POLL_S)

    # --- time ------------------------------------------------------------------------------------------
    def _finish_by(self, deadline: float | None) -> float | None:
        """Recording or releasing what was started may use half the safety margin: FC still runs then."""
        return None if deadline is None else deadline + self.settings.safety_margin_s / 2

    def _claim_ttl(self, deadline: float | None) -> float:
        """A claim outlives this invocation only briefly, so a crashed instance's event is retried soon."""
        if deadline is None:
            return float(self.settings.in_progress_ttl_s)
        return max(1.0, deadline - time.monotonic() + self.settings.safety_margin_s)


def _log_unknown_profile(report: Report, rules: RuleSet) -> None:
    """UserData asked for a profile that does not exist: the log says what was asked, used and known."""
    for finding in report.findings:
        if finding.error == "unknown_profile" and finding.check.startswith("user_data."):
            log.get_logger().warning(
                "profile.unknown",
                asked=finding.actual,
                used=report.profile,
                known=list(rules.profile_names),
                outcome=finding.outcome,
            )


def verdict_of(
    event: IceEvent,
    message: dict[str, Any],
    sinks: dict[str, str],
    *,
    recheck: bool = False,
    timings: dict[str, float] | None = None,
) -> Verdict:
    """What the ledger keeps of a published message: the outcome, why, the findings, where it went and
    how long the probe and the decode took."""
    data = message["data"]
    qc = data.get("qc") or {}
    findings = data["findings"] if "findings" in data else qc.get("warnings", [])
    if message["type"] == cloudevents.QC_ALERT:
        outcome = "fail" if data.get("reason") == "qc_failed" else "error"
    else:
        outcome = qc.get("outcome") or "pass"
    report: dict[str, Any] = {"findings": findings, "sinks": sinks}
    if timings:
        report["timings"] = timings
    for name in ("title", "error"):
        if data.get(name):
            report[name] = data[name]
    return Verdict(
        key=event.idempotency_key,
        outcome=outcome,
        decided_at=time.time(),
        media_id=data.get("media_id") or event.media_id,
        job_id=event.job_id,
        event_type=event.event_type,
        event_time=event.event_time.timestamp(),
        profile=qc.get("profile") or data.get("profile"),
        reason=data.get("reason"),
        message_type=message["type"],
        message_id=message["id"],
        recheck=recheck,
        failing_rules=tuple(dict.fromkeys(f["rule"] for f in findings if f.get("outcome") == "fail")),
        report=report,
    )


def log_verdict(verdict: Verdict, **event_done: Any) -> None:
    """One ``playgate.verdict`` line per decision, for the Logstore's index (docs/operations.md). For an
    event, it is the event's last line: ``event_done`` carries what ``event.done`` would have said (its
    ``outcome`` as ``status``)."""
    latency_s = None if verdict.event_time is None else round(verdict.decided_at - verdict.event_time, 3)
    timings = verdict.report.get("timings") or {}
    log.get_logger().info(
        "playgate.verdict",
        **event_done,
        outcome=verdict.outcome,
        profile=verdict.profile,
        reason=verdict.reason,
        failing_rules=list(verdict.failing_rules),
        media_id=verdict.media_id,
        job_id=verdict.job_id,
        recheck=verdict.recheck,
        event_to_verdict_s=latency_s,
        probe_s=timings.get("probe_s"),
        decode_s=timings.get("decode_s"),
    )


def _age(seconds: float) -> str:
    """A duration as a person says it: 40 s, 12 min, 5 h, 3 days."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{max(seconds, 0):.0f} s"
