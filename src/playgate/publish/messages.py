"""The data of the three messages playgate publishes, built from an event, a snapshot and a report.

The CloudEvents envelope (id, source, time…) is ``publish.cloudevents``'s job; this module only decides
what a consumer reads in ``data``. Field names carry their unit (``duration_s``, ``bitrate_kbps``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from playgate.ice.model import MediaSnapshot, Rendition
from playgate.log import redact

if TYPE_CHECKING:
    from playgate.events import IceEvent
    from playgate.rules import Report

# Query parameters that mean "this URL is signed and will expire".
_SIGNING_PARAMS = {"signature", "auth_key", "x-oss-signature", "security-token"}


def url_expiry(url: str | None, fetched_at: datetime, auth_timeout_s: int) -> datetime | None:
    """When a signed play URL stops working: its ``Expires=`` when present, else fetch time + AuthTimeout."""
    if not url:
        return None
    query = {k.lower(): v for k, v in parse_qs(urlsplit(url).query).items()}
    expires = query.get("expires", [""])[0]
    if expires.isdigit():
        return datetime.fromtimestamp(int(expires), tz=timezone.utc)
    if _SIGNING_PARAMS & query.keys():
        return fetched_at + timedelta(seconds=auth_timeout_s)
    return None


def playable(rendition: Rendition) -> bool:
    return bool(rendition.play_url) and (rendition.status or "Normal") == "Normal"


def rendition_data(r: Rendition, fetched_at: datetime, auth_timeout_s: int) -> dict[str, Any]:
    expires_at = url_expiry(r.play_url, fetched_at, auth_timeout_s)
    data: dict[str, Any] = {
        "url": r.play_url,
        "definition": r.definition,
        "format": r.format,
        "stream_type": r.stream_type,
        "width": r.width,
        "height": r.height,
        "bitrate_kbps": r.bitrate_kbps,
        "fps": r.fps,
        "duration_s": r.duration_s,
        "size_bytes": r.size_bytes,
        "hdr_type": r.hdr_type,
        "bit_depth": r.bit_depth,
        "encrypted": r.encrypted,
    }
    if expires_at is not None:
        data["expires_at"] = expires_at.isoformat().replace("+00:00", "Z")
    return data


def _base(event: IceEvent, media_id: str | None) -> dict[str, Any]:
    return {"media_id": media_id or event.media_id, "job_id": event.job_id, "event_type": event.event_type}


def _qc(report: Report) -> dict[str, Any]:
    return {
        "profile": report.profile,
        "outcome": report.outcome,
        "warnings": [_finding(f) for f in report.findings if f.outcome == "warn"],
    }


def _finding(f: Any) -> dict[str, Any]:
    """A finding as a message carries it, redacted (its values can quote a signed URL)."""
    return redact(
        {
            "rule": f.rule,
            "severity": f.severity,
            "outcome": f.outcome,
            "subject": f.subject,
            "actual": f.actual,
            "expected": f.expected,
            "message": f.message,
        }
    )


def playback_ready(
    event: IceEvent, snapshot: MediaSnapshot, report: Report, *, fetched_at: datetime, auth_timeout_s: int
) -> dict[str, Any]:
    return {
        **_base(event, snapshot.media_id),
        "title": snapshot.info.title,
        "duration_s": snapshot.duration_s,
        "cover_url": snapshot.info.cover_url,
        "renditions": [
            rendition_data(r, fetched_at, auth_timeout_s) for r in snapshot.renditions if playable(r)
        ],
        "qc": _qc(report),
    }


def qc_passed(event: IceEvent, snapshot: MediaSnapshot, report: Report) -> dict[str, Any]:
    source = snapshot.source_file
    return {
        **_base(event, snapshot.media_id),
        "title": snapshot.info.title,
        "duration_s": snapshot.duration_s,
        "file_url": source.file_url if source else snapshot.info.input_url,
        "qc": _qc(report),
    }


def qc_alert(
    event: IceEvent,
    *,
    reason: str,
    media_id: str | None = None,
    report: Report | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An alert: a failed job, a media ICE would not give, or a media that failed its rules.

    The error comes from the event or from ICE: its message can quote a signed URL, so it is redacted.
    """
    error = redact(error) if error else None
    findings = [_finding(f) for f in report.findings if f.outcome in ("fail", "warn")] if report else []
    data: dict[str, Any] = {
        **_base(event, media_id),
        "severity": "error",
        "reason": reason,
        "profile": report.profile if report else None,
        "findings": findings,
        "report_markdown": report.to_markdown() if report else _error_markdown(event, reason, error),
    }
    if error:
        data["error"] = {"code": error.get("code"), "message": error.get("message")}
    return data


def _error_markdown(event: IceEvent, reason: str, error: dict[str, Any] | None) -> str:
    lines = [
        f"**playgate alert: {reason}** — {event.event_type} job `{event.job_id}` media `{event.media_id}`"
    ]
    if error:
        lines.append(f"- error `{error.get('code')}`: {error.get('message')}")
    return "\n".join(lines)
