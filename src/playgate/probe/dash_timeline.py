"""A DASH Representation's segment end times (seconds from its Period's start), from the MPD alone:
SegmentTimeline (``S@t``, ``@d``, ``@r``), or a SegmentTemplate's or SegmentList's ``@duration``.

Bounded like an HLS playlist: at most ``MAX_SEGMENTS`` segments per Representation whatever ``@r``
says; a ``@duration`` without a known Period length gives ``MAX_SEGMENTS`` segments.
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
    file) or its numbers are not usable. ``tag`` names an element without its namespace."""
    if template and template.get("_timeline") is not None:
        return _timeline(template["_timeline"], template, tag, period_s)
    if template and "duration" in template:
        return _uniform(template, period_s)
    if segment_list is not None:
        found = [c for c in segment_list if tag(c) == "SegmentTimeline"]
        if found:
            return _timeline(found[0], segment_list.attrib, tag, period_s)
        if "duration" in segment_list.attrib:
            count = sum(1 for c in segment_list if tag(c) == "SegmentURL")
            return _uniform(segment_list.attrib, period_s, count)
    return None


def _number(attributes: Any, name: str, default: float) -> float | None:
    try:
        value = float(attributes.get(name, default))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _timeline(timeline: Any, attributes: Any, tag: Any, period_s: float | None) -> array | None:
    scale, offset = _number(attributes, "timescale", 1), _number(attributes, "presentationTimeOffset", 0)
    if not scale or scale <= 0 or offset is None:
        return None
    items = [s for s in timeline if tag(s) == "S"]
    out, now = array("d"), 0.0
    for k, item in enumerate(items):
        start, duration, repeat = (_number(item, n, d) for n, d in (("t", -1), ("d", 0), ("r", 0)))
        if start is None or duration is None or repeat is None or duration <= 0:
            return None
        now = start if start >= 0 else now
        if repeat < 0:  # until the next S@t, else the Period's end
            following = _number(items[k + 1], "t", -1) if k + 1 < len(items) else -1
            end = following if following and following > 0 else (period_s or 0) * scale + offset
            repeat = math.ceil((end - now) / duration) - 1
        for _ in range(int(min(repeat, MAX_SEGMENTS)) + 1):
            now += duration
            out.append((now - offset) / scale)
            if len(out) >= MAX_SEGMENTS:
                return out
    return out or None


def _uniform(attributes: Any, period_s: float | None, count: int | None = None) -> array | None:
    scale, duration = _number(attributes, "timescale", 1), _number(attributes, "duration", 0)
    if not scale or scale <= 0 or not duration or duration <= 0:
        return None
    step = duration / scale
    if count is None:
        count = math.ceil(period_s / step) if period_s else MAX_SEGMENTS
    count = min(count, MAX_SEGMENTS)
    return array("d", (step * (i + 1) for i in range(count))) if count > 0 else None
