"""One ICE event through the whole gate — read it top to bottom.

claim the idempotency key → a failed job alerts → otherwise fetch the media (GetMediaInfo ∥ GetPlayInfo)
→ choose the profile → evaluate → publish → record the outcome.

Retryable failures release the claim and raise, so FC / EventBridge deliver the event again. Final
failures become a ``qc.alert`` and complete the record: they are never retried and never silent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from playgate.errors import EventInProgress, FinalError, MediaNotFound, MediaNotReady
from playgate.events import MEDIA_INFO_EVENT_TYPE, IceEvent, should_check
from playgate.ice.model import MediaSnapshot, build_snapshot
from playgate.publish import cloudevents
from playgate.publish import messages as msg
from playgate.settings import Settings
from playgate.store.base import ClaimStatus

IN_PROGRESS_POLL_S = 0.1


@dataclass
class Outcome:
    """What happened to one event, for the invocation's summary, the logs and the demo table."""

    key: str | None
    status: str  # published | duplicate | skipped | dead_letter | retry
    message_type: str | None = None
    destination: str | None = None
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "key": self.key,
            "status": self.status,
            "message_type": self.message_type,
            "destination": self.destination,
            "reason": self.reason,
        }
        return {k: v for k, v in data.items() if v is not None}


class Gate:
    def __init__(self, *, settings: Settings, ice: Any, rules: Any, store: Any, publisher: Any) -> None:
        self.settings = settings
        self.ice = ice
        self.rules = rules
        self.store = store
        self.publisher = publisher
        self.source = f"playgate/{settings.function_name}"

    def process(self, event: IceEvent, *, deadline: float | None = None) -> Outcome:
        if not should_check(event, self.settings.checked_types):
            return Outcome(key=None, status="skipped", reason=f"event type {event.event_type} is not gated")
        key = event.idempotency_key
        claim = self._claim(key, deadline)
        if claim.status is ClaimStatus.COMPLETED:
            return Outcome(key=key, status="duplicate", detail=claim.outcome or {})
        try:
            message = self._decide(event, deadline)
            destination = self.publisher.publish(message, deadline=deadline)
        except BaseException:
            # nothing was published: let a redelivery or a dead-letter replay claim it again
            self.store.release(key, claim.token)
            raise
        outcome = Outcome(
            key=key,
            status="published",
            message_type=message["type"],
            destination=destination,
            reason=message["data"].get("reason"),
            detail={"id": message["id"]},
        )
        self.store.complete(key, claim.token, outcome.as_dict(), ttl_s=self.settings.completed_ttl_s)
        return outcome

    # --- the decision --------------------------------------------------------------------------------
    def _decide(self, event: IceEvent, deadline: float | None) -> dict[str, Any]:
        if event.status != "success":
            error = {"code": event.error_code, "message": event.error_message}
            return self._alert(event, reason="job_failed", error=error)
        if not event.media_id and event.event_type != MEDIA_INFO_EVENT_TYPE:
            error = {
                "code": "MissingMediaId",
                "message": "the event carries no MediaId, so there is nothing to check",
            }
            return self._alert(event, reason="media_not_found", error=error)
        try:
            snapshot, fetched_at = self._snapshot(event, deadline)
            self._require_ready(snapshot)
        except FinalError as error:
            return self._alert(event, reason=error.reason, error=error.as_dict())
        report = self.rules.evaluate(
            snapshot, event_type=event.event_type, user_data=event.user_data, full=False
        )
        if report.outcome == "fail":
            return self._alert(event, reason="qc_failed", media_id=snapshot.media_id, report=report)
        if any(msg.playable(r) for r in snapshot.renditions):
            data = msg.playback_ready(
                event, snapshot, report, fetched_at=fetched_at, auth_timeout_s=self.settings.auth_timeout_s
            )
            return self._message(cloudevents.PLAYBACK_READY, event, data)
        return self._message(cloudevents.QC_PASSED, event, msg.qc_passed(event, snapshot, report))

    def _snapshot(self, event: IceEvent, deadline: float | None) -> tuple[MediaSnapshot, datetime]:
        """A callback's media comes from ICE; a media-information job carries its own MediaInfoProperty."""
        fetched_at = datetime.now(timezone.utc)
        if event.event_type != MEDIA_INFO_EVENT_TYPE:
            return self.ice.fetch(event.media_id, deadline=deadline), fetched_at
        play_info = None
        if event.media_id:
            try:
                play_info = self.ice.get_play_info(event.media_id, deadline=deadline)
            except MediaNotFound:  # a media with no renditions (yet): its job's MediaInfoProperty is checked
                play_info = None
        return build_snapshot(play_info=play_info, jobs=[event.message_body]), fetched_at

    @staticmethod
    def _require_ready(snapshot: MediaSnapshot) -> None:
        status = snapshot.info.status
        if status is not None and status != "Normal":
            raise MediaNotReady(
                f"media {snapshot.media_id} has status {status!r}; the gate needs 'Normal'", code=status
            )

    def _alert(
        self,
        event: IceEvent,
        *,
        reason: str,
        media_id: str | None = None,
        report: Any = None,
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

    def _claim(self, key: str, deadline: float | None) -> Any:
        """Claim the key; while another instance holds it, wait for it to finish or for its claim to expire.

        Acknowledging an in-progress duplicate would lose the event if its holder then crashed, so after
        waiting as long as time allows the duplicate is handed back for redelivery instead.
        """
        wait_until = time.monotonic() + self.settings.in_progress_wait_s
        if deadline is not None:
            wait_until = min(wait_until, deadline)
        while True:
            claim = self.store.claim(key, in_progress_ttl_s=self._claim_ttl(deadline))
            if claim.status is not ClaimStatus.IN_PROGRESS:
                return claim
            if time.monotonic() + IN_PROGRESS_POLL_S > wait_until:
                raise EventInProgress(
                    f"event {key} is being handled by another instance; it will be redelivered"
                )
            time.sleep(IN_PROGRESS_POLL_S)

    # --- time ------------------------------------------------------------------------------------------
    def _claim_ttl(self, deadline: float | None) -> float:
        """A claim outlives this invocation only briefly, so a crashed instance's event is retried soon."""
        if deadline is None:
            return float(self.settings.in_progress_ttl_s)
        return max(1.0, deadline - time.monotonic() + self.settings.safety_margin_s)
