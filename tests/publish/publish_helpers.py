"""Shared builders for the publish tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from playgate.publish.cloudevents import QC_ALERT, make_event
from playgate.settings import Settings

ACCESS_KEY_ID = "LTAI5tPublishTestKey0001"
ACCESS_KEY_SECRET = "pUbLiShSeCrEtVaLuE0123456789abc"
SECURITY_TOKEN = "CAISpublishStsTokenValue9876543210zz"
QUEUES = ["playback", "alerts", "dead-letters"]
TOPICS = ["playback-topic"]


def make_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


def finding(i: int, outcome: str, *, long: int = 40) -> dict[str, Any]:
    return {
        "rule": f"rule-{i:04d}",
        "severity": "error" if outcome == "fail" else "warning",
        "outcome": outcome,
        "subject": f"video stream {i}",
        "actual": "x" * long,
        "expected": ">= 1080",
        "message": f"rule {i} says the height is {'wrong' if outcome == 'fail' else 'fine'}",
    }


def alert_data(
    *, report_chars: int = 100, passing: int = 0, failing: int = 1, long: int = 40
) -> dict[str, Any]:
    findings = [finding(i, "fail", long=long) for i in range(failing)]
    findings += [finding(failing + i, "warn", long=long) for i in range(passing)]
    return {
        "media_id": "media-0001",
        "job_id": "job-0001",
        "event_type": "MediaConvertComplete",
        "severity": "error",
        "reason": "qc_failed",
        "profile": "hls-ladder",
        "findings": findings,
        "report_markdown": "# QC report\n" + "r" * report_chars,
    }


def alert_event(**kwargs: Any) -> dict[str, Any]:
    return make_event(
        QC_ALERT,
        source="playgate/qc-gate",
        subject="media-0001",
        data=alert_data(**kwargs),
        id_parts=("job-0001", "media-0001", QC_ALERT, "qc_failed"),
    )
