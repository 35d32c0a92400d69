"""A DASH Representation's segment end times (seconds from its Period's start), from the MPD alone:
SegmentTimeline (``S@t``, ``@d``, ``@r``), or a SegmentTemplate's or SegmentList's ``@duration``.

Bounded like an HLS playlist: at most ``MAX_SEGMENTS`` segments per Representation whatever ``@r``
says; a ``@duration`` without a known Period length gives ``MAX_SEGMENTS`` segments. A number that is
not usable (not a number, a duration ≤ 0, a time going back) is a ``TimelineError`` naming it.
"""

from __future__ import annotations

import math
import re
from array import array
from typing import Any

MAX_SEGMENTS = 100_000
_ISO_DURATION = re.compile(
    r"P(?:([0-9.]+)Y)?(?:([0-9.]+)M)?(?:([0-9.]+)W)?(?:([0-9.]+)D)?"
    r"(?:T(?:([0-9.]+)H)?(?:([0-9.]+)M)?(?:([0-9.]+)S)?)?"
)
_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


class TimelineError(ValueError):
    pass


def iso_duration(text: str | None) -> float | None:
    """``PT1H2M3.5S`` → 3723.5; None when absent or not an ISO 8601 duration."""
    match = _ISO_DURATION.fullmatch((text or "").strip())
    if not text or match is None:
        return None
    try:
        total = sum(float(v) * unit for v, unit in zip(match.groups(), _SECONDS, strict=True) if v)
    except ValueError:
        return None
    return total if math.isfinite(total) else None


def segment_ends(
    template: dict[str, Any], segment_list: Any, period_s: float | None, tag: Any
) -> array | None:
    """End times of the segments the MPD describes; None when it describes none (SegmentBase, a single
    file). ``tag`` names an element without its namespace."""
    if template and template.get("_timeline") is not None:
        return _timeline(template["_timeline"], _Attributes(template), tag, period_s)
    if template and "duration" in template:
        return _uniform(_Attributes(template), period_s)
    if segment_list is not None:
        found = [c for c in segment_list if tag(c) == "SegmentTimeline"]
        if found:
            return _timeline(found[0], segment_list, tag, period_s)
        if "duration" in segment_list.attrib:
            count = sum(1 for c in segment_list if tag(c) == "SegmentURL")
            return _uniform(segment_list, period_s, count)
    return None


class _Attributes:
    """A SegmentTemplate's attributes merged along its levels, read like an element."""

    tag = "SegmentTemplate"

    def __init__(self, values: dict[str, Any]) -> None:
        self.get = values.get


def _number(element: Any, name: str, default: float, *, low: float = -math.inf) -> float:
    """The attribute as a finite number above ``low`` (its default when absent), else TimelineError."""
    text = element.get(name)
    try:
        value = default if text is None else float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= low:
        raise TimelineError(f"{tag_name(element)}@{name}={str(text)[:24]!r} is not a usable number")
    return value


def tag_name(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _timeline(timeline: Any, holder: Any, tag: Any, period_s: float | None) -> array | None:
    scale = _number(holder, "timescale", 1, low=0)
    offset = _number(holder, "presentationTimeOffset", 0)
    items = [s for s in timeline if tag(s) == "S"]
    out, now = array("d"), 0.0
    for k, item in enumerate(items):
        start, duration = _number(item, "t", now), _number(item, "d", 0, low=0)
        repeat = _number(item, "r", 0)
        if start < now:
            raise TimelineError(f"S@t={start:g} goes back before the previous segment's end ({now:g})")
        now = start
        if repeat < 0:  # until the next S@t, else the Period's end
            following = _number(items[k + 1], "t", -1) if k + 1 < len(items) else -1
            end = following if following > 0 else (period_s or 0) * scale + offset
            repeat = math.ceil(min((end - now) / duration, MAX_SEGMENTS)) - 1
        for _ in range(int(min(repeat, MAX_SEGMENTS)) + 1):
            now += duration
            out.append((now - offset) / scale)
            if len(out) >= MAX_SEGMENTS:
                return out
    return out or None


def _uniform(holder: Any, period_s: float | None, count: int | None = None) -> array | None:
    step = _number(holder, "duration", 0, low=0) / _number(holder, "timescale", 1, low=0)
    if not 0 < step < math.inf:
        raise TimelineError(f"{holder.tag}@duration over @timescale is not a usable number of seconds")
    if count is None:
        count = math.ceil(min(period_s / step, MAX_SEGMENTS)) if period_s else MAX_SEGMENTS
    count = min(count, MAX_SEGMENTS)
    return array("d", (step * (i + 1) for i in range(count))) if count > 0 else None
