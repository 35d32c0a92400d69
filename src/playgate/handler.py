"""Function Compute adapter: a trigger payload in, a JSON summary out.

``initialize(context)`` builds settings, the ICE client, the compiled rules, the store and the sinks
once per instance; ``handler(event, context)`` decodes every item of the payload and runs each through
the gate. Malformed items become dead letters and the rest of the batch goes on. The invocation raises
only when an item failed retryably, so FC / EventBridge deliver it again (the items that did succeed
are then recognised as duplicates and publish nothing). A required sink that could not take an item's
message ends the batch there: the items after it are not started and come back with it. A misconfigured
function (``Misconfigured``: its credentials, role or endpoint) stops the batch at once: one log line says
what to fix, nothing is recorded, and every item comes back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playgate import log
from playgate.callbacks import PairUsed, admit, settle
from playgate.errors import (
    ConfigError,
    DeadlineExceeded,
    Misconfigured,
    PlaygateError,
    RetryableError,
    SinkUnavailable,
    Unauthenticated,
)
from playgate.events import IceEvent, MalformedItem, decode
from playgate.gate import Gate, Outcome, log_verdict
from playgate.publish.dead_letter import minimal_dead_letter
from playgate.settings import Settings, load_settings, warn_unknown_variables

if TYPE_CHECKING:
    from playgate.seams import Publishing

HTTP_EVENT_LIMIT = 1024 * 1024  # bytes of an HTTP trigger's event: headers and a bounded, base64 body
# A required sink that could not take an item's message (after its retries) ends the batch: the rest
# is redelivered with it rather than each item spending the invocation on the same sink.
SINK_FAILURES = frozenset({SinkUnavailable.reason, "dead_letter_sink_unavailable"})
SINK_DOWN = "sink_down_earlier_in_batch"


class RetryLater(RetryableError):
    """Raised to FC when at least one item must be redelivered; carries the summary of the batch."""

    reason = "retry_later"

    def __init__(self, message: str, summary: dict[str, Any], misconfigured: Misconfigured | None = None):
        super().__init__(message)
        self.summary = summary
        self.misconfigured = misconfigured  # what stopped the batch, when the function is set up wrong


@dataclass
class Runtime:
    settings: Settings
    gate: Gate
    publisher: Publishing

    @classmethod
    def build(cls, settings: Settings | None = None, context: Any = None) -> Runtime:
        from playgate.decode.gate import require_decoder
        from playgate.ice.client import IceClient
        from playgate.publish import Publisher
        from playgate.publish.publisher import ROUTES
        from playgate.rules import load_rules
        from playgate.store import open_ledger, open_store

        settings = settings or load_settings()
        log.configure(level=settings.log_level)
        warn_unknown_variables(lambda problem: log.get_logger().warning("settings.unknown", problem=problem))
        if settings.message_templates:  # checked with no robot sink too: it must not wait for one
            from playgate.publish.templates import load_file

            load_file(settings.message_templates)
        rules = load_rules(settings.rules)
        require_decoder(settings, rules)  # decoding configured and no ffmpeg runs: fail here, clearly
        store = open_store(settings.store)
        ledger = open_ledger(settings.ledger, store, retention_days=settings.ledger_retention_days)
        publisher = Publisher(settings, context=context, deliveries=store)
        for message_type in ROUTES:  # a wrong sink URL fails here, not on every event
            for route in publisher.routes_for(message_type):
                publisher.sink(ROUTES[message_type], route.url)
        gate = Gate(
            settings=settings,
            ice=IceClient.from_settings(settings, context=context).warm(),
            rules=rules,
            store=store,
            publisher=publisher,
            ledger=ledger,
        )
        return cls(settings=settings, gate=gate, publisher=publisher)

    def close(self) -> None:
        ledger = self.gate.ledger if self.gate.ledger is not self.gate.store else None
        for part in (self.gate.store, ledger, self.publisher):
            if part is not None:
                part.close()


def deadline_from(context: Any, settings: Settings, started: float) -> float | None:
    """The monotonic instant by which this invocation must be done, minus the safety margin."""
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining_ms):
        return started + remaining_ms() / 1000 - settings.safety_margin_s
    timeout = getattr(getattr(context, "function", None), "timeout", None)
    if isinstance(timeout, int | float) and timeout > 0:
        return started + timeout - settings.safety_margin_s
    return None


def handle_payload(
    payload: Any, *, runtime: Runtime | None = None, context: Any = None, http_admitted: bool = False
) -> dict[str, Any]:
    """Every item of one trigger payload through the gate; the summary lists each item's outcome.

    An item shaped as an HTTP callback is admitted (signature, one-time use) on its own, whatever
    envelope it came in, unless the caller admitted the request already (``http_admitted``).
    """
    with log.invocation(request_id=getattr(context, "request_id", None)):
        return _handle_payload(payload, runtime, context, http_admitted)


def _handle_payload(
    payload: Any, runtime: Runtime | None, context: Any, http_admitted: bool
) -> dict[str, Any]:
    started = time.monotonic()
    runtime = runtime or _runtime_for(context)
    deadline = deadline_from(context, runtime.settings, started)
    results: list[dict[str, Any]] = []
    retry = sink_down = False
    misconfigured: Misconfigured | None = None
    for item in decode(payload):
        if misconfigured is not None:  # every item would fail the same way: none is tried
            result = _handed_back(item, misconfigured.reason, "not tried: the function is misconfigured")
        elif deadline is not None and time.monotonic() >= deadline:
            result = _handed_back(item, DeadlineExceeded.reason)  # nothing starts past the deadline
        elif sink_down:  # the next items would only spend the invocation on it: they come back
            result = _handed_back(item, SINK_DOWN)
        else:
            try:
                result = _handle_item(item, runtime, deadline, http_admitted)
            except Misconfigured as error:
                misconfigured = error
                result = _handed_back(item, error.reason, error.message)
            sink_down = result["status"] == "retry" and result.get("reason") in SINK_FAILURES
        retry = retry or result["status"] == "retry"
        results.append(result)
    if misconfigured is None:  # a robot's digest of this batch's overflow
        runtime.publisher.flush(deadline=deadline)
    summary = {"items": len(results), "results": results}
    if retry:
        raise RetryLater(
            "at least one item failed retryably and must be delivered again", summary, misconfigured
        )
    return summary


def log_misconfigured(error: PlaygateError) -> None:
    """The one line that says what to fix: no traceback, no secret (the message names where they are set).
    A command says it in its own line on stderr instead."""
    if log.in_command():
        return
    log.get_logger().error(
        "function.misconfigured",
        reason=error.reason,
        code=error.code,
        error=error.message,
        effect="nothing is recorded; every event is handed back for redelivery until this is fixed",
    )


def _handle_item(
    item: IceEvent | MalformedItem, runtime: Runtime, deadline: float | None, http_admitted: bool
) -> dict[str, Any]:
    logger = log.get_logger()
    started = time.monotonic()
    if isinstance(item, MalformedItem):
        return _dead_letter(item, runtime, logger, deadline)
    log.bind(event_type=item.event_type, job_id=item.job_id, media_id=item.media_id)
    try:
        outcome = _process(item, runtime, deadline, http_admitted)
    except Misconfigured as error:
        log_misconfigured(error)
        log.unbind("event_type", "job_id", "media_id")
        raise
    except PlaygateError as error:
        outcome = Outcome(
            key=item.idempotency_key, status="retry", reason=error.reason, detail={"error": str(error)}
        )
        if not error.retryable and _record_dead_letter(runtime, error, item, logger, deadline):
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
    done = {
        "message_type": outcome.message_type,
        "destination": outcome.destination,
        "duration_ms": duration_ms,
        "detail": outcome.detail,
    }
    if outcome.verdict is not None:  # one line at the end of an event: the verdict, or what became of it
        log_verdict(outcome.verdict, status=outcome.status, **done)
    else:
        logger.info("event.done", outcome=outcome.status, reason=outcome.reason, **done)
    log.unbind("event_type", "job_id", "media_id")
    return {
        **outcome.as_dict(),
        "event_type": item.event_type,
        "job_id": item.job_id,
        "media_id": item.media_id,
    }


def _process(item: IceEvent, runtime: Runtime, deadline: float | None, http_admitted: bool) -> Outcome:
    if item.http_auth is None or http_admitted:
        return runtime.gate.process(item, deadline=deadline)
    admission = admit(item.http_auth, runtime.settings, runtime.gate.store)
    handled = False
    try:
        outcome = runtime.gate.process(item, deadline=deadline)
        handled = True
        return outcome
    finally:
        settle(admission, runtime.settings, runtime.gate.store, handled=handled)


def _handed_back(item: IceEvent | MalformedItem, reason: str, detail: str | None = None) -> dict[str, Any]:
    """An item not handled in this invocation: it comes back with the batch."""
    result: dict[str, Any] = {"status": "retry", "reason": reason}
    if detail:
        result["detail"] = {"error": detail}
    if isinstance(item, IceEvent):
        result.update(
            key=item.idempotency_key, event_type=item.event_type, job_id=item.job_id, media_id=item.media_id
        )
    return result


def _record_dead_letter(
    runtime: Runtime, error: PlaygateError, item: IceEvent, logger: Any, deadline: float | None
) -> bool:
    """A final failure that could not become an alert; False when the dead-letter sink fails too.

    Then the item is retried, and after FC's own retries its on-failure destination keeps it.
    """
    try:
        _publish_dead_letter(
            runtime, error.reason, error.as_dict(), item.raw_callback(), item.delivery_id, deadline
        )
    except PlaygateError as sink_error:
        logger.warning("dead_letter.unavailable", reason=error.reason, error=str(sink_error))
        return False
    runtime.gate.keep_dead_letter(item, error, deadline)
    return True


def _publish_dead_letter(
    runtime: Runtime,
    reason: str,
    error: dict[str, Any],
    payload: Any,
    delivery_id: str | None,
    deadline: float | None,
) -> None:
    """The full dead letter, else a minimal one: what the payload holds must not stop the record.

    A sink that is down raises its PlaygateError (the item is then retried)."""
    try:
        runtime.publisher.dead_letter(reason, error, payload, delivery_id=delivery_id, deadline=deadline)
    except PlaygateError:
        raise
    except Exception as failure:
        log.get_logger().error("dead_letter.fallback", reason=reason, error=type(failure).__name__)
        source = runtime.publisher.source
        fallback = minimal_dead_letter(reason, source=source, delivery_id=delivery_id, failure=failure)
        runtime.publisher.publish(fallback, deadline=deadline)


def _dead_letter(
    item: MalformedItem, runtime: Runtime, logger: Any, deadline: float | None
) -> dict[str, Any]:
    try:
        error = item.error()
        _publish_dead_letter(runtime, error.reason, error.as_dict(), item.raw, item.delivery_id, deadline)
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
        _runtime, _runtime_token = build_runtime(context), token
    return _runtime


def build_runtime(context: Any) -> Runtime:
    """The instance's runtime from the environment; a setting or credentials problem is logged in one line
    and raised, so the invocation fails and its event comes back once the function is fixed."""
    try:
        return Runtime.build(context=context)
    except (ConfigError, Misconfigured) as error:
        log_misconfigured(error)
        raise


def initialize(context: Any) -> None:
    """FC initializer: build everything once per instance (credentials from context or environment,
    resolved here: a function with none fails to start)."""
    global _runtime, _runtime_token
    _runtime, _runtime_token = build_runtime(context), _credentials_token(context)


def handler(event: bytes, context: Any) -> str | dict[str, Any]:
    """FC event handler: returns the JSON summary; raises only to have FC deliver the event again.

    An FC HTTP trigger (ICE's HTTP callback) gets an HTTP answer instead: ICE retries what is not a 200.
    """
    with log.invocation(request_id=getattr(context, "request_id", None)):
        return _answer(event, context)


def _answer(event: bytes, context: Any) -> str | dict[str, Any]:
    if oversized_http_trigger(event):  # refused unparsed: a forged body must not cost a parse
        log.get_logger().warning("callback.rejected", reason="HTTP request too large", bytes=len(event))
        return _http(413, {"error": f"an ICE callback is smaller than {HTTP_EVENT_LIMIT} bytes"})
    trigger = http_trigger(event)
    if trigger is not None:
        return answer_http_callback(trigger, context)
    try:
        return json.dumps(handle_payload(event, context=context))
    except RetryLater as error:
        log.get_logger().warning("invocation.retry", summary=error.summary)
        raise


def _looks_http(event: bytes | str) -> bool:
    if isinstance(event, str):
        return '"rawPath"' in event and '"requestContext"' in event
    return b'"rawPath"' in event and b'"requestContext"' in event


def oversized_http_trigger(event: Any) -> bool:
    """An HTTP trigger's event too large to be ICE's callback, told without parsing it.

    MNS and EventBridge deliveries bigger than this are JSON arrays (batches): only an object is one."""
    if not isinstance(event, bytes | str) or len(event) <= HTTP_EVENT_LIMIT:
        return False
    start = event[:1024].lstrip()[:1]
    return start in ("{", b"{") and _looks_http(event)


def http_trigger(event: Any) -> dict[str, Any] | None:
    """The parsed event when it is an FC HTTP trigger's, else None (without parsing the others twice).

    Deep nesting or bad JSON is not an HTTP trigger: :func:`decode` then records the payload as malformed.
    """
    if isinstance(event, bytes | str) and (len(event) > HTTP_EVENT_LIMIT or not _looks_http(event)):
        return None
    try:
        parsed = json.loads(event) if isinstance(event, bytes | str) else event
    except (ValueError, RecursionError):
        return None
    is_http = isinstance(parsed, dict) and "rawPath" in parsed and "requestContext" in parsed
    return parsed if is_http else None


def answer_http_callback(trigger: dict[str, Any], context: Any) -> dict[str, Any]:
    """Admit the callback (:mod:`playgate.callbacks`) before its body is read, gate it, answer 200, 401
    or 503."""
    from playgate.events import http_callback_headers

    runtime = _runtime_for(context)
    store = runtime.gate.store
    try:
        admission = admit(http_callback_headers(trigger), runtime.settings, store)
    except (PairUsed, RetryableError) as error:  # ICE sends it again, one second later
        log.get_logger().warning("callback.deferred", reason=str(error))
        return _http(503, {"error": str(error)})
    except Unauthenticated as error:
        log.get_logger().warning("callback.rejected", reason=str(error))
        return _http(401, {"error": str(error)})
    handled = False
    try:
        summary = handle_payload(trigger, runtime=runtime, context=context, http_admitted=True)
        handled = True
    except RetryLater as error:  # ICE tries again twice, one second apart
        log.get_logger().warning("invocation.retry", summary=error.summary)
        return _http(503, error.summary)
    finally:
        settle(admission, runtime.settings, store, handled=handled)
    return _http(200, summary)


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
