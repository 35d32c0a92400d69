"""Keep a CloudEvent under a queue's size limit: shorten in a fixed order, never drop the message.

An MNS message is at most 64 KB (the queue's or topic's ``MaximumMessageSize``, 1–64 KB). What counts is
the message body as it travels, so the size is measured *encoded*:

- ``base64`` (MNS queues, playgate's default): 4 bytes per 3 of UTF-8 JSON, plus 256 bytes kept for
  the XML envelope (``<Message xmlns=…><MessageBody>…</MessageBody></Message>``). A 64 KB queue
  therefore carries at most 48,960 bytes of JSON.
- ``xml`` (MNS topics, which send the body as XML text): the JSON with ``& < > "`` escaped as the SDK's
  XML writer does, plus the same 256 bytes.
- ``json``: the UTF-8 JSON alone (sinks with no envelope).

When an event does not fit, these steps run in this order, each only as far as needed, and the first
state that fits is sent (the same input always gives the same output):

1. ``data.report_markdown`` is cut to the longest prefix that fits, ending with
   ``… [truncated by playgate: N of M characters omitted]``.
2. ``data.findings`` keeps only failing findings (``outcome`` "fail", or without an outcome a
   ``severity`` of "error"/"critical"); the others are counted in
   ``data.findings_summary = {"omitted": N, "by_outcome": {"warn": 3, "pass": 40, …}}``.
3. Long strings anywhere in ``data`` are cut to 1024, then 256, then 64 characters, each ending with
   ``…[+N chars]``. Never cut: URLs (keys ``url`` or ``*_url``: a cut URL is a broken link), identifiers
   and the routing fields (``media_id``, ``job_id``, ``event_type``, ``reason``, ``severity``,
   ``delivery_id``, ``outcome``, ``profile``), and every CloudEvents attribute outside ``data``.
4. ``data.findings`` keeps its first K failing findings (the largest K that fits); the rest are
   added to ``data.findings_summary``.

A shortened event carries ``data.truncated: true`` and ``data.truncation``: the list of the steps
that changed it (``"report_markdown"``, ``"findings"``, ``"strings"``, ``"findings_failing"``).
If it still does not fit (e.g. hundreds of signed rendition URLs), :class:`SinkRejected` says so:
the message is never silently dropped or sent broken.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from typing import Any, Literal

from playgate.errors import SinkRejected

Encoding = Literal["base64", "xml", "json"]

MNS_MAX_MESSAGE_BYTES = 65536
ENVELOPE_RESERVE = 256
STRING_LIMITS = (1024, 256, 64)
PROTECTED_KEYS = frozenset(
    {"media_id", "job_id", "event_type", "reason", "severity", "delivery_id", "outcome", "profile"}
    | {"truncated", "truncation"}
)
FAILING_OUTCOMES = frozenset({"fail", "failed"})
FAILING_SEVERITIES = frozenset({"error", "critical"})


def encode_event(event: dict[str, Any]) -> bytes:
    """The exact bytes every sink sends: compact JSON, UTF-8, non-ASCII kept as is."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encoded_size(body: bytes, encoding: Encoding) -> int:
    if encoding == "json":
        return len(body)
    if encoding == "base64":
        return ENVELOPE_RESERVE + 4 * ((len(body) + 2) // 3)
    escaped_extra = 4 * body.count(b"&") + 3 * body.count(b"<") + 3 * body.count(b">") + 5 * body.count(b'"')
    return ENVELOPE_RESERVE + len(body) + escaped_extra


def event_size(event: dict[str, Any], encoding: Encoding = "base64") -> int:
    return encoded_size(encode_event(event), encoding)


def fit_to_limit(
    event: dict[str, Any], limit_bytes: int = MNS_MAX_MESSAGE_BYTES, *, encoding: Encoding = "base64"
) -> dict[str, Any]:
    """Return ``event`` itself when it fits, else a shortened copy (see the module docstring)."""

    def fits(candidate: dict[str, Any]) -> bool:
        return event_size(candidate, encoding) <= limit_bytes

    if fits(event):
        return event
    data = event.get("data")
    if not isinstance(data, dict):
        raise _too_large(event, limit_bytes, encoding, "its data is not an object that can be shortened")
    work = copy.deepcopy(event)
    work["data"]["truncated"] = True
    work["data"]["truncation"] = []
    for step in (_cut_report, _failing_findings_only, _cut_strings, _first_failing_findings):
        if step(work, fits) and fits(work):
            return work
    raise _too_large(event, limit_bytes, encoding, "after every shortening step")


def _note(work: dict[str, Any], step: str) -> None:
    work["data"]["truncation"].append(step)


def _largest_fitting(low: int, high: int, apply: Callable[[int], None], fits: Callable[[], bool]) -> int:
    """Largest n in [low, high] for which apply(n) fits (low if none does); leaves apply(result) applied."""
    apply(high)
    if fits():
        return high
    best = low
    lo, hi = low, high - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        apply(mid)
        if fits():
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    apply(best)
    return best


# --- step 1 ----------------------------------------------------------------------------------------
def _report_marker(omitted: int, total: int) -> str:
    return f"\n\n… [truncated by playgate: {omitted} of {total} characters omitted]"


def _cut_report(work: dict[str, Any], fits: Callable[[dict[str, Any]], bool]) -> bool:
    data = work["data"]
    report = data.get("report_markdown")
    if not isinstance(report, str) or not report:
        return False
    _note(work, "report_markdown")

    def apply(keep: int) -> None:
        data["report_markdown"] = report[:keep] + _report_marker(len(report) - keep, len(report))

    _largest_fitting(0, len(report) - 1, apply, lambda: fits(work))
    return True


# --- steps 2 and 4 -----------------------------------------------------------------------------------
def _outcome(finding: Any) -> str:
    if isinstance(finding, dict):
        return str(finding.get("outcome") or finding.get("severity") or "unknown")
    return "unknown"


def _is_failing(finding: Any) -> bool:
    if not isinstance(finding, dict):
        return True
    if "outcome" in finding:
        return str(finding["outcome"]).lower() in FAILING_OUTCOMES
    if "severity" in finding:
        return str(finding["severity"]).lower() in FAILING_SEVERITIES
    return True


def _summarize(data: dict[str, Any], omitted: list[Any]) -> None:
    summary = data.setdefault("findings_summary", {"omitted": 0, "by_outcome": {}})
    counts = Counter(summary["by_outcome"])
    counts.update(_outcome(f) for f in omitted)
    summary["omitted"] += len(omitted)
    summary["by_outcome"] = dict(sorted(counts.items()))


def _failing_findings_only(work: dict[str, Any], fits: Callable[[dict[str, Any]], bool]) -> bool:
    data = work["data"]
    findings = data.get("findings")
    if not isinstance(findings, list):
        return False
    failing = [f for f in findings if _is_failing(f)]
    if len(failing) == len(findings):
        return False
    _note(work, "findings")
    data["findings"] = failing
    _summarize(data, [f for f in findings if not _is_failing(f)])
    return True


def _first_failing_findings(work: dict[str, Any], fits: Callable[[dict[str, Any]], bool]) -> bool:
    data = work["data"]
    findings = data.get("findings")
    if not isinstance(findings, list) or not findings:
        return False
    _note(work, "findings_failing")
    before = copy.deepcopy(data.get("findings_summary", {"omitted": 0, "by_outcome": {}}))

    def apply(keep: int) -> None:
        data["findings"] = findings[:keep]
        data["findings_summary"] = copy.deepcopy(before)
        _summarize(data, findings[keep:])

    _largest_fitting(0, len(findings) - 1, apply, lambda: fits(work))
    return True


# --- step 3 ------------------------------------------------------------------------------------------
def _is_protected(key: str | None) -> bool:
    return key is not None and (key in PROTECTED_KEYS or key == "url" or key.endswith("_url"))


def _cut(value: Any, limit: int, key: str | None = None) -> tuple[Any, bool]:
    if _is_protected(key):
        return value, False
    if isinstance(value, str):
        if len(value) <= limit:
            return value, False
        return value[:limit] + f"…[+{len(value) - limit} chars]", True
    if isinstance(value, dict):
        changed = False
        for k in value:
            value[k], did = _cut(value[k], limit, str(k))
            changed = changed or did
        return value, changed
    if isinstance(value, list):
        changed = False
        for i, item in enumerate(value):
            value[i], did = _cut(item, limit)
            changed = changed or did
        return value, changed
    return value, False


def _cut_strings(work: dict[str, Any], fits: Callable[[dict[str, Any]], bool]) -> bool:
    changed_any = False
    for limit in STRING_LIMITS:
        _, changed = _cut(work["data"], limit)
        if changed and not changed_any:
            _note(work, "strings")
            changed_any = True
        if changed_any and fits(work):
            break
    return changed_any


def _too_large(event: dict[str, Any], limit: int, encoding: Encoding, why: str) -> SinkRejected:
    return SinkRejected(
        f"CloudEvent {event.get('id')} ({event.get('type')}) is {event_size(event, encoding)} bytes "
        f"{encoding}-encoded, over the {limit}-byte message limit {why}; URLs and identifiers are never cut. "
        "Raise the queue's MaximumMessageSize (at most 65536) or route this event type to a jsonl: sink.",
        code="MessageTooLarge",
    )
