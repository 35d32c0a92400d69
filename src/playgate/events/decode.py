"""Every way an ICE callback reaches Function Compute, unwrapped into typed events. Pure: no I/O.

Envelopes recognised (PLATFORM.md §2, §3):

- the raw ICE callback ``{"EventType", "UserId", "EventTime", "MessageBody"}`` (HTTP body, MNS topic
  STREAM format, a saved event file) — ``delivery_source`` "raw";
- an MNS queue trigger through EventBridge: one CloudEvent or a JSON array of them, the ICE message in
  ``data.messageBody`` as JSON text, base64 of JSON text (``IsBase64Decode`` false) or an object —
  ``delivery_id`` the CloudEvent id, ``delivery_source`` the CloudEvent source;
- an MNS topic trigger in JSON format (``TopicOwner``, ``Message``, ``MessageId`` …; ``Message`` may be
  base64) or STREAM format with attributes (``{"body", "attrs"}``) — "mns-topic";
- an FC 3.0 HTTP trigger event (``version``, ``rawPath``, ``body``, ``isBase64Encoded``) — "http",
  ``delivery_id`` the FC request id. Its signature is checked with :mod:`playgate.events.auth`.

The payload may be bytes, text, or already parsed. :func:`decode` never raises: every element of a batch
becomes exactly one item, an :class:`IceEvent` or a :class:`MalformedItem`. Text that no sink or store
could write (a lone UTF-16 surrogate from a ``\\udfff`` escape), a JobId or MediaId that is not text or
longer than :data:`MAX_ID_CHARS`, and an HTTP body over :data:`HTTP_BODY_LIMIT` make an item malformed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from playgate.events import fields
from playgate.events.auth import http_callback_headers
from playgate.events.model import (
    MEDIA_INFO_EVENT_TYPE,
    IceEvent,
    Item,
    MalformedItem,
    media_info_job_media_id,
)
from playgate.log import redact, redact_text

RAW_LIMIT = 4096  # characters of a malformed item's text kept in its dead-letter record
# ICE's MediaId and JobId are 32 hex characters (GetMediaInfo, GetPlayInfo, ListMediaInfoJobs references)
# and the longest id a user may choose (ReferenceId) is 64: twice that is room enough, and far below what
# ICE's front end refuses with an HTML 414 (which would otherwise be retried for ever).
MAX_ID_CHARS = 128
# ICE's callback messages fit an MNS message (64 KB); a bigger HTTP body is not ICE's, so it is not parsed
HTTP_BODY_LIMIT = 256 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads pairs valid ones: what is left is lone


class _Bad(Exception):
    """A reason an item cannot be read; becomes a MalformedItem at the item's boundary."""

    def __init__(self, reason: str, path: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.path = path


class _Delivery:
    """What the envelope says about the delivery: id, source, and its own time (a fallback only)."""

    __slots__ = ("http_auth", "id", "source", "time")

    def __init__(self, source: str, id: Any = None, time: datetime | None = None):
        self.source = source
        self.id = fields.text(id)
        self.time = time
        self.http_auth: tuple[str | None, str | None] | None = None


# --- entry point ---------------------------------------------------------------------------------------
def decode(payload: Any) -> list[Item]:
    """Decode an FC trigger payload (bytes, str, dict or list) into one item per ICE message."""
    try:
        try:
            value = _parse_top(payload)
        except _Bad as bad:
            return [_malformed(bad, "payload", None, payload, None)]
        if isinstance(value, list):
            return [_decode_one(item, f"batch item {i}", i) for i, item in enumerate(value)]
        return [_decode_one(value, "payload", None)]
    except Exception as exc:  # the last line of defence: decoding never crashes the function
        reason = f"could not be decoded ({type(exc).__name__})"
        return [MalformedItem(reason=reason, where="payload", raw=_raw_text(payload))]


def _parse_top(payload: Any) -> Any:
    if isinstance(payload, bytes | bytearray | memoryview):
        payload = _utf8(bytes(payload), "the payload")
    if isinstance(payload, str):
        value = _json_or_base64(payload, "the payload")
        if isinstance(value, str):  # JSON text of a string: one more layer (double-encoded bodies)
            value = _json_or_base64(value, "the payload")
        return value
    return payload


def _decode_one(item: Any, where: str, index: int | None) -> Item:
    delivery: _Delivery | None = None
    try:
        if isinstance(item, str | bytes):
            item = _parse_top(item)
        if not isinstance(item, Mapping):
            raise _Bad(
                f"expected a JSON object, got {_kind(item)}; it is not an ICE event or a trigger envelope"
            )
        kind = _kind_of(item)
        delivery = _delivery(kind, item)
        body, path = _inner(kind, item)
        return _ice_event(body, delivery, path)
    except _Bad as bad:
        return _malformed(bad, where, index, item, delivery)
    except Exception as exc:
        failure = _Bad(f"could not be decoded ({type(exc).__name__}: {redact_text(str(exc))[:200]})")
        return _malformed(failure, where, index, item, delivery)


# --- envelopes -----------------------------------------------------------------------------------------
def _kind_of(item: Mapping[str, Any]) -> str:
    if "specversion" in item and "data" in item:
        return "cloudevent"
    if "rawPath" in item or ("requestContext" in item and "isBase64Encoded" in item):
        return "http"
    if "TopicOwner" in item or ("Message" in item and ("TopicName" in item or "MessageMD5" in item)):
        return "topic-json"
    if "body" in item and set(item) <= {"body", "attrs"}:
        return "topic-stream"
    if "triggerTime" in item and "triggerName" in item:
        return "timer"
    return "raw"


def _delivery(kind: str, item: Mapping[str, Any]) -> _Delivery:
    """Who delivered the item, read before anything can go wrong so that a dead letter names it."""
    if kind == "cloudevent":
        source = fields.text(item.get("source")) or "cloudevent"
        return _Delivery(source, item.get("id"), fields.event_time(item.get("time")))
    if kind == "http":
        context = item.get("requestContext")
        delivery = _Delivery("http", context.get("requestId") if isinstance(context, Mapping) else None)
        delivery.http_auth = http_callback_headers(item)
        return delivery
    if kind == "topic-json":
        return _Delivery("mns-topic", item.get("MessageId"), fields.epoch_ms_time(item.get("PublishTime")))
    if kind == "topic-stream":
        attrs = item.get("attrs")
        msg_id = fields.ci_get(attrs, "MessageId", "messageId") if isinstance(attrs, Mapping) else None
        return _Delivery("mns-topic", msg_id)
    return _Delivery(kind)


def _inner(kind: str, item: Mapping[str, Any]) -> tuple[Any, str]:
    """(the ICE message inside the envelope, its path inside the item)."""
    if kind == "cloudevent":
        return _cloudevent_data(item.get("data"))
    if kind == "http":
        return _http_body(item), "body"
    if kind == "topic-json":
        return _body(item.get("Message"), "Message"), "Message"
    if kind == "topic-stream":
        return _body(item["body"], "body"), "body"
    if kind == "timer":
        raise _Bad("this is a timer trigger payload, not an ICE event: point the timer at the reconciler")
    return item, ""


def _cloudevent_data(data: Any) -> tuple[Any, str]:
    if isinstance(data, str):
        data = _body(data, "data")
    if isinstance(data, Mapping):
        if "messageBody" in data:
            return _body(data["messageBody"], "data.messageBody"), "data.messageBody"
        if "EventType" in data:  # an ICE event put straight into the CloudEvent's data
            return data, "data"
        raise _Bad("the CloudEvent has no data.messageBody: not an MNS queue message", "data")
    raise _Bad(f"the CloudEvent's data is {_kind(data)}, expected an object with messageBody", "data")


def _http_body(item: Mapping[str, Any]) -> Any:
    raw = item.get("body")
    if isinstance(raw, str | bytes) and len(raw) > HTTP_BODY_LIMIT:
        raise _Bad(f"body is {len(raw)} characters, more than an ICE callback ({HTTP_BODY_LIMIT})", "body")
    if item.get("isBase64Encoded") is True and isinstance(raw, str):
        try:
            raw = _utf8(base64.b64decode(raw, validate=True), "body")
        except (binascii.Error, ValueError) as exc:
            raise _Bad("isBase64Encoded is true but the body is not base64", "body") from exc
    return _body(raw, "body")


def _body(raw: Any, path: str) -> Any:
    """An envelope's message body: an object, JSON text, or base64 of JSON text."""
    if raw is None:
        raise _Bad(f"{path} is missing or null", path)
    if isinstance(raw, Mapping | list):
        return raw
    if isinstance(raw, bytes):
        raw = _utf8(raw, path)
    if not isinstance(raw, str):
        raise _Bad(f"{path} is {_kind(raw)}, expected JSON text", path)
    return _json_or_base64(raw, path)


# --- the ICE event itself ------------------------------------------------------------------------------
def _ice_event(body: Any, delivery: _Delivery, path: str) -> IceEvent:
    at = f"{path}." if path else ""
    if isinstance(body, list):
        raise _Bad(f"{path or 'the item'} is a JSON array; expected one ICE event object", path)
    if not isinstance(body, Mapping):
        raise _Bad(f"{path or 'the item'} is {_kind(body)}; expected an ICE event object", path)
    raw_type = body.get("EventType")
    event_type = fields.text(raw_type) if isinstance(raw_type, str) else None
    if event_type is None:
        raise _Bad(f"no EventType in {path or 'the item'}: not an ICE event (keys: {_keys(body)})", path)
    message_body = body.get("MessageBody")
    if message_body is None:
        raise _Bad(_flat_reason(body, event_type), path)
    if isinstance(message_body, str):
        message_body = _json_or_base64(message_body, f"{at}MessageBody")
    if not isinstance(message_body, Mapping):
        raise _Bad(f"{at}MessageBody is {_kind(message_body)}, expected an object", path)
    when = fields.event_time(body.get("EventTime")) or delivery.time
    if when is None:
        raise _Bad(f"{at}EventTime is missing or not an ISO 8601 time: {body.get('EventTime')!r:.60}", path)
    event = _build(event_type, body, dict(message_body), when, delivery)
    _require_valid_text(event, at)
    return event


def _build(
    event_type: str, body: Mapping[str, Any], mb: dict[str, Any], when: datetime, d: _Delivery
) -> IceEvent:
    error_code = fields.text(fields.ci_get(mb, "ErrorCode", "Code"))
    status_raw = fields.ci_get(mb, "Status")
    media_id = _identifier(mb, body, "MediaId")
    if media_id is None and event_type == MEDIA_INFO_EVENT_TYPE:  # a reconciled job, replayed
        media_id = media_info_job_media_id(mb)
    return IceEvent(
        event_type=event_type,
        job_id=_identifier(mb, body, "JobId"),
        media_id=media_id,
        status=fields.normalize_status(status_raw, error_code),
        status_raw=fields.text(status_raw),
        error_code=error_code,
        error_message=fields.text(fields.ci_get(mb, "ErrorMessage", "Message")),
        user_data=fields.user_data(fields.ci_get(mb, "UserData")),
        event_time=when,
        user_id=fields.user_id(body.get("UserId")),
        delivery_id=d.id,
        delivery_source=d.source,
        message_body=mb,
        http_auth=d.http_auth,
    )


def _identifier(mb: Mapping[str, Any], body: Mapping[str, Any], name: str) -> str | None:
    """JobId or MediaId from the message body (else the event): text of at most MAX_ID_CHARS printable
    characters. A number or any other type is refused: it would not name the same job twice."""
    for raw, where in ((fields.ci_get(mb, name), f"MessageBody.{name}"), (body.get(name), name)):
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise _Bad(f"{where} is {_kind(raw)}; ICE identifiers are text", where)
        value = raw.strip()
        if len(value) > MAX_ID_CHARS:
            raise _Bad(
                f"{where} is {len(value)} characters long; ICE's ids have at most {MAX_ID_CHARS}", where
            )
        if not value.isprintable():
            raise _Bad(f"{where} holds control or non-text characters: {_safe(repr(value[:40]))}", where)
        if value:
            return value
    return None


def _require_valid_text(event: IceEvent, at: str) -> None:
    """No lone UTF-16 surrogate anywhere: no store, sink or log could encode it as UTF-8."""
    parts = {
        f"{at}MessageBody": event.message_body,
        f"{at}MessageBody.UserData": event.user_data,
        "the envelope": (event.event_type, event.delivery_id, event.delivery_source, event.http_auth),
    }
    for where, value in parts.items():
        found = _lone_surrogate_at(value)
        if found is not None:
            path = _safe(f"{where}{found}")
            raise _Bad(
                f"{path} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape): not Unicode text", path
            )


def _lone_surrogate_at(value: Any) -> str | None:
    """Where the first text holding a lone surrogate is (``""``, ``.Key``, ``[2]``…), else None.

    Iterative, so a deeply nested value cannot exhaust the stack."""
    if isinstance(value, str):
        return "" if _SURROGATE.search(value) else None
    if not isinstance(value, Mapping | list | tuple):
        return None
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:  # only containers are stacked, so a path is written only for them (or for a find)
        path, node = stack.pop()
        mapping = isinstance(node, Mapping)
        for key, child in node.items() if mapping else enumerate(node):
            if mapping and isinstance(key, str) and _SURROGATE.search(key):
                return f"{path}.{key}"
            if isinstance(child, str):
                if _SURROGATE.search(child):
                    return f"{path}.{key}" if mapping else f"{path}[{key}]"
            elif isinstance(child, Mapping | list | tuple):
                stack.append((f"{path}.{key}" if mapping else f"{path}[{key}]", child))
    return None


def _flat_reason(body: Mapping[str, Any], event_type: str) -> str:
    status = body.get("Status")
    hint = f", lowercase Status {status!r}" if isinstance(status, str) and status.islower() else ""
    return (
        f"EventType {event_type!r} without a MessageBody{hint}: this looks like an ApsaraVideo VOD callback "
        "(flat), not an ICE event; send ICE callbacks here (SetEventCallback) and VOD callbacks elsewhere"
    )


# --- helpers -------------------------------------------------------------------------------------------
def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        path = "" if what.startswith("the ") else what
        raise _Bad(f"{what} is not UTF-8 text (bad byte at offset {exc.start})", path) from exc


def _json_or_base64(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    compact = "".join(text.split())
    if compact:
        try:
            decoded = base64.b64decode(compact, validate=True).decode("utf-8").lstrip("\ufeff")
            return json.loads(decoded)
        except (binascii.Error, ValueError, RecursionError):
            pass
    path = what if not what.startswith("the ") else ""
    raise _Bad(f"{what} is not JSON (nor base64 of JSON)", path)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def _keys(body: Mapping[str, Any]) -> str:
    keys = [str(k)[:40] for k in list(body)[:8]]
    return ", ".join(keys) + (", …" if len(body) > 8 else "") if keys else "none"


def _malformed(
    bad: _Bad, where: str, index: int | None, item: Any, delivery: _Delivery | None
) -> MalformedItem:
    return MalformedItem(
        reason=_safe(bad.reason),
        where=where,
        path=_safe(bad.path),
        index=index,
        delivery_id=_safe(delivery.id) if delivery and delivery.id else None,
        delivery_source=_safe(delivery.source) if delivery else None,
        raw=_safe(_raw_text(item)),
    )


def _safe(text: str) -> str:
    """Text every sink can write: a lone surrogate becomes its ``\\udfff`` spelling."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _raw_text(item: Any, limit: int = RAW_LIMIT) -> str:
    """The item as text for a dead letter: secrets redacted, at most ``limit`` characters."""
    try:
        if isinstance(item, bytes | bytearray | memoryview):
            text = redact_text(bytes(item[: limit * 4]).decode("utf-8", "replace"))
        elif isinstance(item, str):
            text = redact_text(item[: limit * 4])
        else:
            text = json.dumps(redact(item), ensure_ascii=False, default=str)
    except Exception:
        try:
            text = redact_text(repr(item)[: limit * 4])
        except Exception:
            text = f"<{type(item).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"
