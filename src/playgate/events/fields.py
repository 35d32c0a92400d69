"""Reading the fields of an ICE callback body: leniently, exactly, never raising.

ICE spells its keys in PascalCase, but the same concept is sometimes spelled differently by different
event types (``MediaURL`` / ``MediaUrl``), so lookups ignore case. Numbers are never passed through
``float``: ``UserId`` is beyond 2**53 for real accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal

from playgate.ice.values import parse_json_text, parse_time

Status = Literal["success", "failure"]

SUCCESS_WORDS = frozenset(
    {"success", "succeed", "succeeded", "successful", "finished", "complete", "completed"}
)


def ci_get(mapping: Mapping[str, Any], *names: str) -> Any:
    """The value of the first of ``names`` present in ``mapping``, ignoring case; None when absent."""
    for name in names:
        if name in mapping:
            return mapping[name]
    wanted = [n.lower() for n in names]
    lowered = {k.lower(): v for k, v in mapping.items() if isinstance(k, str)}
    for name in wanted:
        if name in lowered:
            return lowered[name]
    return None


def text(raw: Any) -> str | None:
    """An identifier or message as text; numbers become their decimal spelling, blanks become None."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, str):
        stripped = raw.strip()
        return stripped or None
    return None


def user_id(raw: Any) -> int | None:
    """``UserId`` exactly: a JSON integer or a string of digits. A float may have lost digits: None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        stripped = raw.strip()
        if stripped.isascii() and stripped.isdigit() and len(stripped) <= 40:
            return int(stripped)
    return None


def normalize_status(raw: Any, error_code: str | None) -> Status:
    """``Success``/``Fail`` (and batch jobs' ``Finished``) to success/failure.

    A completion event without a Status signals completion: success, unless it carries an ErrorCode.
    A Status playgate does not know (``PartialSuccess``, ``Canceled``, …) is a failure: an unknown state
    must never be mistaken for a good result, and the alert carries ``status_raw`` for a human to read.
    """
    word = text(raw)
    if word is None:
        return "failure" if error_code else "success"
    word = word.lower()
    if word in SUCCESS_WORDS:
        return "success"
    return "failure"


def user_data(raw: Any) -> dict[str, Any] | str | None:
    """``UserData``: the parsed object when it is JSON text of an object, else the text as it came."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        return None if isinstance(raw, bool) else text(raw)
    try:
        parsed, _ = parse_json_text(raw)
    except RecursionError:
        return raw
    return parsed if isinstance(parsed, dict) else (raw if raw != "" else None)


def event_time(raw: Any) -> datetime | None:
    try:
        value, _ = parse_time(raw)
    except (ValueError, OverflowError):
        return None
    return value


def epoch_ms_time(raw: Any) -> datetime | None:
    """MNS ``PublishTime`` (milliseconds since the epoch, as a number or text)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int):
        return None
    try:
        return datetime.fromtimestamp(raw / 1000, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
