"""Turning ICE's loosely typed values into typed ones, never raising.

ICE sends numbers as strings (``"216.206667"``), sometimes as junk (``"0.f"``, ``"N/A"``), sometimes as
ints; frame rates as ``"25.0"`` or ``"30000/1001"``; times with ``Z``, with ``+08:00`` or with
milliseconds. Each parser returns ``(value, problem)``: the typed value or None, and a short description
of what could not be read (None when all is well).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

Parsed = tuple[Any, str | None]
Parser = Callable[[Any], Parsed]

_MISSING_WORDS = {"", "n/a", "na", "null", "none", "nan", "unknown"}


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in _MISSING_WORDS)


def parse_str(raw: Any) -> Parsed:
    if raw is None:
        return None, None
    if isinstance(raw, str):
        return (raw if raw != "" else None), None
    if isinstance(raw, bool | int | float):
        return str(raw), None
    return None, f"expected text, got {type(raw).__name__}"


def parse_float(raw: Any) -> Parsed:
    kind = raw.__class__
    if kind is str or kind is float:  # the usual answers: a number, or a number in a string
        try:
            value = float(raw)
        except ValueError:
            return _parse_float(raw)
        return (value, None) if math.isfinite(value) else _parse_float(raw)
    return _parse_float(raw)


def _parse_float(raw: Any) -> Parsed:
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, "expected a number, got a boolean"
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond any float: JSON allows it
            return None, f"not a finite number: an integer of {int(raw).bit_length()} bits"
    elif isinstance(raw, str):
        if _blank(raw):
            return None, f"not a number: {raw!r}"
        text = raw.strip()
        try:
            if "/" in text:
                num, den = text.split("/", 1)
                value = float(num) / float(den)
            else:
                value = float(text)
        except (ValueError, ZeroDivisionError):
            return None, f"not a number: {raw!r}"
    else:
        return None, f"expected a number, got {type(raw).__name__}"
    if not math.isfinite(value):
        return None, f"not a finite number: {raw!r}"
    return value, None


def parse_int(raw: Any) -> Parsed:
    value, problem = parse_float(raw)
    if value is None:
        return None, problem
    if value != int(value) or abs(value) > 2**63:
        return None, f"not a whole number: {raw!r}"
    return int(value), None


def parse_bool(raw: Any) -> Parsed:
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
        return raw.strip().lower() == "true", None
    value, problem = parse_int(raw)
    if value is None:
        return None, problem or f"not a boolean: {raw!r}"
    return value != 0, None


def parse_time(raw: Any) -> Parsed:
    """ISO 8601 to an aware datetime; a time without an offset is UTC (ICE documents UTC)."""
    if raw is None:
        return None, None
    if not isinstance(raw, str) or _blank(raw):
        return None, f"not a time: {raw!r}"
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None, f"not an ISO 8601 time: {raw!r}"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value, None


def parse_tags(raw: Any) -> Parsed:
    """``"Tag,tag1"`` → ``["Tag", "tag1"]``; a JSON list is accepted too."""
    if raw is None:
        return [], None
    if isinstance(raw, list):
        return [str(t) for t in raw if t not in (None, "")], None
    if isinstance(raw, str):
        return [t.strip() for t in raw.split(",") if t.strip()], None
    return [], f"expected comma-separated tags, got {type(raw).__name__}"


def parse_json_text(raw: Any) -> Parsed:
    """A field that carries JSON inside a string (Snapshots, SpriteImages, StreamTags, UserData).

    Decodes repeatedly, because ICE double-encodes some of them (``StreamTags``). Text that is not JSON
    stays as it is: it is valid user data, not an error.
    """
    value = raw
    for _ in range(3):
        if not isinstance(value, str):
            break
        text = value.strip()
        if not text or text[0] not in '[{"':
            break
        try:
            value = json.loads(text)
        except ValueError:
            try:  # documentation examples (and some consoles) leave non-breaking spaces in JSON text
                value = json.loads(text.replace("\xa0", " "))
            except ValueError:
                break
    return value, None


def parse_list_of_text(raw: Any) -> Parsed:
    value, _ = parse_json_text(raw)
    if value is None or value == "":
        return [], None
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)], None
    if isinstance(value, str):
        return [value], None
    return [], f"expected a list, got {type(value).__name__}"


def parse_list_of_objects(raw: Any) -> Parsed:
    value, _ = parse_json_text(raw)
    if value is None or value == "":
        return [], None
    if isinstance(value, dict):
        return [value], None
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)], None
    return [], f"expected a list of objects, got {type(value).__name__}"


@functools.lru_cache(maxsize=4096)  # a few dozen keys, met on every stream of every answer
def canonical_key(raw_key: str) -> str:
    """One spelling for both ICE dialects: ``Codec_name``/``CodecName`` → ``codecname``."""
    return raw_key.replace("_", "").lower()
