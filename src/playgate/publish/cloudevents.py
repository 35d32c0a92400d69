"""CloudEvents 1.0 in JSON structured mode: the shape of every message playgate sends.

The ``id`` is a hash of what the event is about (job id, media id, outcome), never a random value: when
an instance crashes between a successful publish and the record of it, the redelivered event is published
again *with the same id*, and consumers deduplicate on ``(source, id)`` as CloudEvents prescribes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

SPECVERSION = "1.0"
DATACONTENTTYPE = "application/json"

PLAYBACK_READY = "playgate.playback.ready"
QC_ALERT = "playgate.qc.alert"
QC_PASSED = "playgate.qc.passed"
DEAD_LETTER = "playgate.dead_letter"

EVENT_TYPES = frozenset({PLAYBACK_READY, QC_ALERT, QC_PASSED, DEAD_LETTER})

# 32 hex digits = 128 bits of sha256: collisions are out of reach, and the id stays readable in logs.
ID_HEX_DIGITS = 32
_SEPARATOR = "\x1f"  # ASCII unit separator: ("a|b", "c") and ("a", "b|c") must not collide


def event_id(*parts: str) -> str:
    """Deterministic event id: the same parts give the same id in every process and Python version."""
    if not parts:
        raise ValueError("event_id needs at least one part (e.g. job id, media id, outcome)")
    joined = _SEPARATOR.join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:ID_HEX_DIGITS]


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, millisecond precision (what CloudEvents consumers parse best)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def make_event(
    type: str,
    *,
    source: str,
    subject: str | None,
    data: dict[str, Any],
    id_parts: tuple[str, ...],
    time: datetime | None = None,
) -> dict[str, Any]:
    """Build one CloudEvent (a plain dict, ready for ``json.dumps``).

    ``subject`` is left out when it is None (CloudEvents: optional attributes are omitted, not null).
    """
    event: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event_id(*id_parts),
        "source": source,
        "type": type,
    }
    if subject is not None:
        event["subject"] = subject
    event["time"] = format_time(time or datetime.now(timezone.utc))
    event["datacontenttype"] = DATACONTENTTYPE
    event["data"] = data
    return event
