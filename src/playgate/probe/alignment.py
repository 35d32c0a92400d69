"""Segment boundaries across a ladder: where two renditions' segments stop lining up.

A player switching rungs at a segment boundary fetches the other rung's segment that starts there; when
none does, it fetches one that overlaps (wasted bytes, a stall on a slow link) or skips media. Both
renditions' boundaries are compared inside the time both cover (their last ends are the end of the
media, not switching points); the earliest boundary of either without a counterpart within the
tolerance is the answer.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True)
class Misalignment:
    in_reference: bool  # the unmatched boundary is the reference's (else the other rendition's)
    segment: int  # the segment (0-based) of that rendition that ends at ``at_s``
    at_s: float
    nearest_s: tuple[float | None, float | None]  # the other rendition's boundaries around it


def ends(durations: Iterable[float]) -> array | None:
    """Each segment's end time from the first's start; None when a duration is unknown (NaN)."""
    out = array("d", accumulate(durations))
    return out if out and math.isfinite(out[-1]) else None


def first_misalignment(
    reference: Sequence[float], other: Sequence[float], tolerance_s: float, begin: float = -math.inf
) -> Misalignment | None:
    """The earliest boundary of either list of end times (ascending) the other has none within the
    tolerance of, after ``begin`` (the later of their starts) and before the earlier of their last ends."""
    if not reference or not other or reference == other:
        return None
    end = min(reference[-1], other[-1]) - tolerance_s
    i = bisect_right(reference, begin + tolerance_s)
    j = bisect_right(other, begin + tolerance_s)
    while i < len(reference) and j < len(other):
        a, b = reference[i], other[j]
        if min(a, b) >= end:
            return None
        if abs(a - b) <= tolerance_s:
            i, j = i + 1, j + 1
        elif a < b:
            return Misalignment(True, i, a, (_at(other, j - 1), b))
        else:
            return Misalignment(False, j, b, (_at(reference, i - 1), a))
    if i < len(reference) and reference[i] < end:
        return Misalignment(True, i, reference[i], (_at(other, j - 1), None))
    if j < len(other) and other[j] < end:
        return Misalignment(False, j, other[j], (_at(reference, i - 1), None))
    return None


def _at(values: Sequence[float], index: int) -> float | None:
    return values[index] if 0 <= index < len(values) else None


def describe(misalignment: Misalignment, name: str, reference: str) -> str:
    """'<whose> segment N ends at T s where <other> has no boundary (nearest: …)'."""
    whose, other = (reference, name) if misalignment.in_reference else (name, reference)
    nearest = ", ".join(f"{t:.3f} s" for t in misalignment.nearest_s if t is not None) or "none"
    return (
        f"{whose}: segment {misalignment.segment} ends at {misalignment.at_s:.3f} s where {other} has "
        f"no segment boundary (its nearest: {nearest})"
    )


def actual(misalignment: Misalignment, name: str, reference: str) -> dict[str, object]:
    return {
        "rendition": name,
        "reference": reference,
        "boundary_of": reference if misalignment.in_reference else name,
        "segment": misalignment.segment,
        "at_s": round(misalignment.at_s, 6),
        "nearest_s": [None if t is None else round(t, 6) for t in misalignment.nearest_s],
    }
