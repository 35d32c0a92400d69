"""Function Compute adapter: a trigger payload in, a JSON summary out.

``initialize(context)`` builds settings, the ICE client, the compiled rules, the store and the sinks
once per instance; ``handler(event, context)`` decodes every item of the payload and runs each through
the gate. Malformed items become dead letters and the rest of the batch goes on. The invocation raises
only when an item failed retryably, so FC / EventBridge deliver it again (the items that did succeed
are then recognised as duplicates and publish nothing).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from playgate import log
from playgate.errors import PlaygateError, RetryableError
from playgate.events import IceEvent, MalformedItem, decode
from playgate.gate import Gate, Outcome
from playgate.settings import Settings, load_settings


class RetryLater(RetryableError):
    """Raised to FC when at least one item must be redelivered; carries the summary of the batch."""

    reason = "retry_later"

    def __init__(self, message: str, summary: dict[str, Any]):
        super().__init__(message)
        self.summary = summary


@dataclass
class Runtime:
    settings: Settings
    gate: Gate
    publisher: Any

    @classmethod
    def build(cls, settings: Settings | None = None, context: Any = None) -> Runtime:
        from playgate.ice.client import IceClient
        from playgate.publish import Publisher
        from playgate.publish.publisher import ROUTES
        from playgate.rules import load_rules
        from playgate.store import open_store

        settings = settings or load_settings()
        log.configure(level=settings.log_level)
        publisher = Publisher(settings, context=context)
        for message_type in ROUTES:  # a wrong sink URL fails here, not on every event
            publisher.sink_for(message_type)
        gate = Gate(
            settings=settings,
            ice=IceClient.from_settings(settings, context=context).warm(),
            rules=load_rules(settings.rules),
            store=open_store(settings.store),
            publisher=publisher,
        )
        return cls(settings=settings, gate=gate, publisher=publisher)

    def close(self) -> None:
        for part in (self.gate.store, self.publisher):
            close = getattr(part, "close", None)
            if close:
                close()


def deadline_from(context: Any, settings: Settings, started: float) -> float | None:
    """The monotonic instant by which this invocation must be done, minus the safety margin."""
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining_ms):
        return started + remaining_ms() / 1000 - settings.safety_margin_s
    timeout = getattr(getattr(context, "function", None), "timeout", None)
    if isinstance(timeout, int | float) and timeout > 0:
        return started + timeout - settings.safety_margin_s
    return None


def handle_payload(payload: Any, *, runtime: Runtime | None = None, context: Any = None) -> dict[str, Any]:
    """Every item of one trigger payload through the gate; the summary lists each item's outcome."""
    started = time.monotonic()
    runtime = runtime or _runtime_for(context)
    deadline = deadline_from(context, runtime.settings, started)
    results: list[dict[str, Any]] = []
    retry = False
    for item in decode(payload):
        result = _handle_item(item, runtime, deadline)
        retry = retry or result["status"] == "retry"
        results.append(result)
    summary = {"items": len(results), "results": results}
    if retry:
        raise RetryLater("at least one item failed retryably and must be delivered again", summary)
    return summary


def _handle_item(item: IceEvent | MalformedItem, runtime: Runtime, deadline: float | None) -> dict[str, Any]:
    logger = log.get_logger()
    started = time.monotonic()
    if isinstance(item, MalformedItem):
        return _dead_letter(item, runtime, logger)
    log.bind(event_type=item.event_type, job_id=item.job_id, media_id=item.media_id)
    try:
        outcome = runtime.gate.process(item, deadline=deadline)
    except PlaygateError as error:
        outcome = Outcome(
            key=item.idempotency_key, status="retry", reason=error.reason, detail={"error": str(error)}
        )
        if not error.retryable and _record_dead_letter(runtime, error, item, logger):
            outcome.status = "dead_letter"
    except Exception as error:  # an unclassified bug must not lose the event: retry it, loudly
        logger.exception("event.unexpected_error")
        outcome = Outcome(
            key=item.idempotency_key,
            status="retry",
            reason="internal_error",
            detail={"error": f"{type(error).__name__}: {error}"},
        )
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    logger.info(
        "event.done",
        outcome=outcome.status,
        message_type=outcome.message_type,
        reason=outcome.reason,
        destination=outcome.destination,
        duration_ms=duration_ms,
        detail=outcome.detail,
    )
    log.unbind("event_type", "job_id", "media_id")
    return {
        **outcome.as_dict(),
        "event_type": item.event_type,
        "job_id": item.job_id,
        "media_id": item.media_id,
    }


def _record_dead_letter(runtime: Runtime, error: PlaygateError, item: IceEvent, logger: Any) -> bool:
    """A final failure that could not become an alert; False when the dead-letter sink fails too.

    Then the item is retried, and after FC's own retries its on-failure destination keeps it.
    """
    try:
        runtime.publisher.dead_letter(
            error.reason, error.as_dict(), item.raw_callback(), delivery_id=item.delivery_id
        )
    except PlaygateError as sink_error:
        logger.warning("dead_letter.unavailable", reason=error.reason, error=str(sink_error))
        return False
    return True


def _dead_letter(item: MalformedItem, runtime: Runtime, logger: Any) -> dict[str, Any]:
    try:
        runtime.publisher.dead_letter(
            item.error().reason, item.error().as_dict(), item.raw, delivery_id=item.delivery_id
        )
    except PlaygateError as error:  # the dead-letter sink failed too: retried, then FC's destination keeps it
        logger.warning("dead_letter.unavailable", reason=item.reason, error=str(error))
        return {"status": "retry", "reason": "dead_letter_sink_unavailable"}
    logger.warning("event.malformed", reason=item.message, delivery_id=item.delivery_id)
    return {
        "status": "dead_letter",
        "reason": "malformed_event",
        "detail": item.message,
        "delivery_id": item.delivery_id,
    }


# --- Function Compute entry points --------------------------------------------------------------------
_runtime: Runtime | None = None
_runtime_token: str | None = None


def _credentials_token(context: Any) -> str | None:
    credentials = getattr(context, "credentials", None)
    return getattr(credentials, "security_token", None) or getattr(credentials, "securityToken", None)


def _runtime_for(context: Any) -> Runtime:
    """The instance's runtime; rebuilt when FC 2.0 hands over rotated STS credentials in the context."""
    global _runtime, _runtime_token
    token = _credentials_token(context)
    if _runtime is None or (token and token != _runtime_token):
        if _runtime is not None:
            _runtime.close()
        _runtime, _runtime_token = Runtime.build(context=context), token
    return _runtime


def initialize(context: Any) -> None:
    """FC initializer: build everything once per instance (credentials from context or environment)."""
    global _runtime, _runtime_token
    _runtime, _runtime_token = Runtime.build(context=context), _credentials_token(context)


def handler(event: bytes, context: Any) -> str | dict[str, Any]:
    """FC event handler: returns the JSON summary; raises only to have FC deliver the event again.

    An FC HTTP trigger (ICE's HTTP callback) gets an HTTP answer instead: ICE retries what is not a 200.
    """
    log.bind(request_id=getattr(context, "request_id", None))
    trigger = http_trigger(event)
    if trigger is not None:
        return answer_http_callback(trigger, context)
    try:
        return json.dumps(handle_payload(event, context=context))
    except RetryLater as error:
        log.get_logger().warning("invocation.retry", summary=error.summary)
        raise


def http_trigger(event: Any) -> dict[str, Any] | None:
    """The parsed event when it is an FC HTTP trigger's, else None (without parsing the others twice)."""
    if isinstance(event, bytes | str) and ("rawPath" if isinstance(event, str) else b"rawPath") not in event:
        return None
    try:
        parsed = json.loads(event) if isinstance(event, bytes | str) else event
    except ValueError:
        return None
    is_http = isinstance(parsed, dict) and "rawPath" in parsed and "requestContext" in parsed
    return parsed if is_http else None


def answer_http_callback(trigger: dict[str, Any], context: Any) -> dict[str, Any]:
    """Check the callback's X-ICE-SIGNATURE (when an AuthKey is set), gate it, answer 200, 401 or 503."""
    from playgate.events import verify_http_trigger

    runtime = _runtime_for(context)
    settings = runtime.settings
    key = settings.callback_auth_key
    if key is not None and not verify_http_trigger(
        trigger, settings.callback_url or "", key.get_secret_value(), max_skew_s=settings.callback_max_skew_s
    ):
        log.get_logger().warning("callback.rejected", reason="missing, wrong or stale X-ICE-SIGNATURE")
        return _http(401, {"error": "missing, wrong or stale X-ICE-SIGNATURE / X-ICE-TIMESTAMP"})
    try:
        return _http(200, handle_payload(trigger, runtime=runtime, context=context))
    except RetryLater as error:  # ICE tries again twice, one second apart
        log.get_logger().warning("invocation.retry", summary=error.summary)
        return _http(503, error.summary)


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
