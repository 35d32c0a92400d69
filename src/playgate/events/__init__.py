"""FC trigger envelopes → ICE job-completion events. Pure: no I/O, no cloud SDK imported.

``decode(payload)`` turns whatever FC passes (bytes, text, parsed JSON; raw callback, MNS queue via
EventBridge single or batch, MNS topic STREAM/JSON, FC HTTP trigger) into one item per message:
an :class:`IceEvent` or a :class:`MalformedItem`. It never raises.
"""

from playgate.events.auth import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    http_callback_headers,
    sign_http_callback,
    verify_http_callback,
    verify_http_trigger,
)
from playgate.events.decode import decode
from playgate.events.model import (
    ICE_EVENT_TYPES,
    MEDIA_INFO_EVENT_TYPE,
    UPLOAD_EVENT_TYPES,
    IceEvent,
    Item,
    MalformedItem,
    event_family,
    media_info_job_media_id,
    should_check,
)

__all__ = [
    "ICE_EVENT_TYPES",
    "MEDIA_INFO_EVENT_TYPE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "UPLOAD_EVENT_TYPES",
    "IceEvent",
    "Item",
    "MalformedItem",
    "decode",
    "event_family",
    "http_callback_headers",
    "media_info_job_media_id",
    "should_check",
    "sign_http_callback",
    "verify_http_callback",
    "verify_http_trigger",
]
