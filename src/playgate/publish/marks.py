"""A verdict's time-coded findings → ICE media marks, so an editor jumps to each one in the ICE console.

- ``video-black``, ``video-frozen``, ``audio-silence``: one mark per interval (``actual`` is a list of
  ``{start_s, end_s, duration_s}`` in media time);
- ``audio-loudness``, ``decode-clean``, ``decode-incomplete``, ``video-hdr-signalling``,
  ``video-matches-source``: one mark over the decoded window the finding names (their ``actual`` is a
  number or a summary: the window is where to look).

Only findings that failed or warned are marked; the others (metadata rules, the probe's) say nothing
about time. A mark is ``{MarkStartTime, MarkEndTime, MarkTag: rule id, MarkContent: the finding's message,
MarkStatus: fail|warn}``; two marks are the same when their tag, times and content are.
"""

from __future__ import annotations

from typing import Any

from playgate.publish.cloudevents import QC_ALERT

WINDOWED = frozenset(
    {"audio-loudness", "decode-clean", "decode-incomplete", "video-hdr-signalling", "video-matches-source"}
)
CONTENT_MAX_BYTES = 512  # ICE documents no limit for MarkContent; CreateAudit's Comment has this one


def findings_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings a message carries: an alert's (fail and warn), a pass's warnings."""
    data = event.get("data") or {}
    found = data.get("findings") if event.get("type") == QC_ALERT else (data.get("qc") or {}).get("warnings")
    return [f for f in found or [] if isinstance(f, dict) and f.get("outcome") in ("fail", "warn")]


def marks_for(event: dict[str, Any]) -> list[dict[str, Any]]:
    marks = []
    for finding in findings_of(event):
        for start, end in _spans(finding):
            marks.append(
                {
                    "MarkStartTime": start,
                    "MarkEndTime": end,
                    "MarkTag": str(finding.get("rule") or ""),
                    "MarkContent": fit(str(finding.get("message") or ""), CONTENT_MAX_BYTES),
                    "MarkStatus": finding["outcome"],
                }
            )
    return marks


def _spans(finding: dict[str, Any]) -> list[tuple[float, float]]:
    actual = finding.get("actual")
    if isinstance(actual, list):
        return [
            (float(i["start_s"]), float(i["end_s"]))
            for i in actual
            if isinstance(i, dict) and _number(i.get("start_s")) and _number(i.get("end_s"))
        ]
    if finding.get("rule") in WINDOWED:
        from playgate.decode.checks import window_of

        window = window_of(str(finding.get("subject") or ""))
        return [window] if window else []
    return []


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same(mark: dict[str, Any]) -> tuple[str, float, float, str] | None:
    """What makes two marks the same; None for a mark without readable times (someone else's)."""
    try:
        start, end = round(float(mark["MarkStartTime"]), 3), round(float(mark["MarkEndTime"]), 3)
    except (KeyError, TypeError, ValueError):
        return None
    return (str(mark.get("MarkTag") or ""), start, end, str(mark.get("MarkContent") or ""))


def missing(wanted: list[dict[str, Any]], existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The wanted marks the media does not have yet, each once."""
    have = {same(mark) for mark in existing}
    new = []
    for mark in wanted:
        key = same(mark)
        if key not in have:
            have.add(key)
            new.append(mark)
    return new


def fit(text: str, max_bytes: int, *, end: str = "…") -> str:
    """``text`` cut to ``max_bytes`` of UTF-8 (never inside a character), ending in ``end`` when cut."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    room = max_bytes - len(end.encode("utf-8"))
    return data[:room].decode("utf-8", "ignore") + end
