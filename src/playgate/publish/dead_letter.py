"""Dead letters: a final failure becomes a ``playgate.dead_letter`` CloudEvent, never silence.

``data`` holds ``reason``, ``error`` (``code``/``message``…, redacted), ``delivery_id`` and the original
payload, redacted (access keys, STS tokens and signed-URL query values become ``***``):
``payload`` is the text as received (``payload_format`` "text"), a parsed value re-serialized as compact
JSON ("json"), or base64 of bytes that are not UTF-8 ("base64"). ``payload_sha256`` and ``payload_bytes``
describe the original bytes; the event id is derived from the reason and that hash, so a payload that
fails twice the same way produces the same dead letter id. Text that is not valid Unicode (a lone
surrogate) is written as its ``\\udfff`` spelling, and when even that fails the handler records
:func:`minimal_dead_letter` instead: recording a dead letter must not fail for what the payload holds.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from playgate.log import redact, redact_text
from playgate.publish.cloudevents import DEAD_LETTER, make_event


def _payload_fields(payload: Any) -> dict[str, Any]:
    if isinstance(payload, bytes | bytearray | memoryview):
        raw = bytes(payload)
        try:
            text, fmt = raw.decode("utf-8"), "text"
        except UnicodeDecodeError:
            # latin-1 maps every byte to one character, so redaction keeps the other bytes intact
            redacted = redact_text(raw.decode("latin-1")).encode("latin-1")
            return _fields(raw, base64.b64encode(redacted).decode("ascii"), "base64")
    elif isinstance(payload, str):
        raw, text, fmt = payload.encode("utf-8", "surrogatepass"), payload, "text"
    else:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
        raw, fmt = text.encode("utf-8", "surrogatepass"), "json"
    return _fields(raw, _writable(redact_text(text)), fmt)


def _writable(text: str) -> str:
    """UTF-8-encodable text: a lone surrogate becomes the six characters of its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _fields(raw: bytes, shown: str, fmt: str) -> dict[str, Any]:
    return {
        "payload": shown,
        "payload_format": fmt,
        "payload_sha256": hashlib.sha256(raw).hexdigest(),
        "payload_bytes": len(raw),
    }


def make_dead_letter(
    reason: str,
    error: dict[str, Any] | None,
    payload: Any,
    *,
    source: str,
    delivery_id: str | None = None,
) -> dict[str, Any]:
    fields = _payload_fields(payload)
    data = {
        "reason": reason,
        "delivery_id": delivery_id,
        "error": _writable_error(redact(dict(error))) if error else None,
        **fields,
    }
    return make_event(
        DEAD_LETTER,
        source=source,
        subject=delivery_id,
        data=data,
        id_parts=("dead_letter", reason, fields["payload_sha256"]),
    )


def _writable_error(error: dict[str, Any]) -> dict[str, Any]:
    return {str(k): _writable(v) if isinstance(v, str) else v for k, v in error.items()}


def minimal_dead_letter(
    reason: str, *, source: str, delivery_id: str | None, failure: BaseException
) -> dict[str, Any]:
    """The record kept when the full one could not be made or written: ASCII, without the payload."""

    def ascii_text(value: str) -> str:
        return value.encode("ascii", "backslashreplace").decode("ascii")[:256]

    reason, delivery = ascii_text(reason), ascii_text(delivery_id) if delivery_id else None
    data = {
        "reason": reason,
        "delivery_id": delivery,
        "error": {
            "code": "dead_letter_fallback",
            "message": f"the full dead letter could not be recorded ({type(failure).__name__}); "
            "its payload is not kept",
        },
        "payload": None,
        "payload_format": "none",
    }
    return make_event(
        DEAD_LETTER,
        source=source,
        subject=delivery,
        data=data,
        id_parts=("dead_letter", reason, delivery or ""),
    )


def original_payload(event: dict[str, Any]) -> bytes | str | Any:
    """The payload to send through the handler again (as redacted when it was recorded)."""
    data = event.get("data") or {}
    payload = data.get("payload")
    fmt = data.get("payload_format", "text")
    if "strings" in (data.get("truncation") or []):
        raise ValueError("its payload was shortened to fit the sink's size limit, so it cannot be replayed")
    if not isinstance(payload, str):
        raise ValueError("it has no payload")
    if fmt == "base64":
        return base64.b64decode(payload)
    if fmt == "json":
        return json.loads(payload)
    return payload
