"""The sample trigger payloads of ``playgate demo``, one per thing worth seeing.

Each payload is shaped exactly as Function Compute passes it (raw callback, MNS queue through
EventBridge single or batch, MNS topic JSON or STREAM) and names media of the bundled sample catalog.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

# The bundled catalog's media-information jobs were all created on this day.
SAMPLE_JOB_WINDOW = (datetime(2024, 5, 1, tzinfo=timezone.utc), datetime(2024, 5, 2, tzinfo=timezone.utc))

Fault = tuple[str, int]


def callback(
    event_type: str,
    job_id: str,
    media_id: str | None,
    *,
    status: str = "Success",
    error: tuple[str, str] | None = None,
    user_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ICE job-completion callback as ICE sends it."""
    body: dict[str, Any] = {"Status": status, "JobId": job_id}
    if media_id:
        body["MediaId"] = media_id
    if error:
        body["ErrorCode"], body["ErrorMessage"] = error
    if user_data is not None:
        body["UserData"] = json.dumps(user_data)
    return {
        "EventType": event_type,
        "UserId": 1833220977560000123,
        "EventTime": "2024-05-01T08:48:14Z",
        "MessageBody": body,
    }


def mns_cloudevent(message_body: str, message_id: str) -> dict[str, Any]:
    """An MNS queue message delivered through EventBridge, as one CloudEvent."""
    return {
        "id": f"evt-{message_id}",
        "source": "MNS-playgate-qc-gate-ice-callback",
        "specversion": "1.0",
        "type": "mns:Queue:SendMessage",
        "subject": "acs:mns:cn-shanghai:1833220977560000:queues/ice-callback-demo",
        "time": "2024-05-01T08:48:15.093Z",
        "aliyunaccountid": "1833220977560000",
        "aliyunregionid": "cn-shanghai",
        "data": {"requestId": f"req-{message_id}", "messageId": message_id, "messageBody": message_body},
    }


def mns_topic_json(message: str, message_id: str) -> dict[str, Any]:
    return {
        "TopicOwner": "1833220977560000",
        "Message": message,
        "Subscriber": "1833220977560000",
        "PublishTime": 1714553295000,
        "SubscriptionName": "qc-gate",
        "MessageMD5": "",
        "TopicName": "ice-callback-demo",
        "MessageId": message_id,
    }


def http_callback_trigger(
    body: Any,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
    request_id: str = "req-http",
) -> bytes:
    """ICE's HTTP callback as an FC 3.0 HTTP trigger event (base64 body); headers only when given."""
    headers = {"Content-Type": "application/json"}
    if timestamp is not None:
        headers["X-Ice-Timestamp"] = str(timestamp)
    if signature is not None:
        headers["X-Ice-Signature"] = signature
    text = body if isinstance(body, str) else json.dumps(body)
    return json.dumps(
        {
            "version": "v1",
            "rawPath": "/ice/callback",
            "body": base64.b64encode(text.encode()).decode(),
            "isBase64Encoded": True,
            "headers": headers,
            "queryParameters": {},
            "requestContext": {"requestId": request_id, "http": {"method": "POST", "path": "/ice/callback"}},
        }
    ).encode()


def _ago(hours: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def sample_payloads() -> list[tuple[str, Any, list[Fault]]]:
    """(label, payload, emulator faults to inject first)."""
    ladder = callback(
        "MediaConvertComplete", "job-convert-0001", "media-ladder-ok", user_data={"qcProfile": "default"}
    )
    text = json.dumps
    b64 = base64.b64encode(
        text(callback("FileUploadComplete", "job-upload-0005", "media-oss-only")).encode()
    ).decode()
    return [
        ("raw callback", text(ladder).encode(), []),
        (
            "MNS queue (EventBridge)",
            mns_cloudevent(
                text(callback("ProduceMediaComplete", "job-produce-0002", "media-audio-only")), "m-0002"
            ),
            [],
        ),
        (
            "MNS queue batch of 3",
            [
                mns_cloudevent(
                    text(callback("TranscodeComplete", "job-transcode-0003", "media-reference")), "m-0003"
                ),
                mns_cloudevent(b64, "m-0005"),
                mns_cloudevent("{this is not an ICE event", "m-0006"),
            ],
            [],
        ),
        (
            "MNS topic (JSON)",
            mns_topic_json(
                text(callback("MediaConvertComplete", "job-convert-0004", "media-broken-rendition")), "t-0004"
            ),
            [],
        ),
        ("MNS topic (STREAM), duplicate", text(ladder), []),
        (
            "raw callback, failed job",
            callback(
                "ProduceMediaComplete",
                "job-produce-0007",
                None,
                status="Fail",
                error=("InvalidParameter.Timeline", "timeline has no clips"),
            ),
            [],
        ),
        (
            "raw callback, unknown media",
            callback("MediaConvertComplete", "job-convert-0008", "media-missing"),
            [],
        ),
        (
            "raw callback, media not ready",
            # sent two hours after ICE finished, past PLAYGATE_NOT_READY_MAX_AGE_S (one hour): it alerts
            {
                **callback("RegisterMediaComplete", "job-register-0009", "media-preparing"),
                "EventTime": _ago(2),
            },
            [],
        ),
        ("raw callback, not gated", callback("SnapshotComplete", "job-snapshot-0010", "media-ladder-ok"), []),
        (
            "raw callback, ICE throttles twice",
            callback("UploadByURLComplete", "job-upload-0011", "media-ladder-ok"),
            [("throttling", 2)],
        ),
        ("not JSON at all", b"\x00\x01 definitely not an event", []),
    ]


# --- ICE's HTTP callback through an FC HTTP trigger ------------------------------------------------
DEMO_CALLBACK_URL = "https://qc-gate.example.com/ice/callback"
DEMO_CALLBACK_KEY = "PlaygateDemoCallbackKey"


def http_trigger(
    body: dict[str, Any], *, signature: str | None = None, timestamp: int | None = None
) -> bytes:
    """The event an FC HTTP trigger passes for ICE's HTTP callback, signed with the demo AuthKey."""
    from playgate.events import sign_http_callback

    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = signature or sign_http_callback(DEMO_CALLBACK_URL, timestamp, DEMO_CALLBACK_KEY)
    return http_callback_trigger(body, timestamp=timestamp, signature=signature, request_id="req-http-demo")


def sample_http_callbacks() -> list[tuple[str, bytes]]:
    """(label, FC HTTP trigger event): one signed callback, one with a forged signature."""
    signed = callback("MediaConvertComplete", "job-http-0012", "media-audio-only")
    forged = callback("MediaConvertComplete", "job-http-0013", "media-ladder-ok")
    return [
        ("HTTP trigger (signed)", http_trigger(signed)),
        ("HTTP trigger, forged signature", http_trigger(forged, signature="0" * 32)),
    ]


# --- files for a user's first own run (``playgate samples``) ---------------------------------------
def sample_event_files() -> dict[str, tuple[str, Any]]:
    """file name → (what happens when it is sent to the emulator, trigger payload); each names media of
    the bundled catalog and a job id of its own, so none is a duplicate of another."""
    text = json.dumps
    return {
        "transcode-complete.json": (
            "a raw callback; the 1080p/720p/480p ladder passes: playback.ready",
            callback("TranscodeComplete", "job-sample-0001", "media-ladder-ok"),
        ),
        "broken-rendition.json": (
            "a raw callback; a rendition 60 s long of a 300 s media: qc.alert (qc_failed)",
            callback("MediaConvertComplete", "job-sample-0002", "media-broken-rendition"),
        ),
        "mns-queue-eventbridge.json": (
            "an MNS queue message through EventBridge; an audio-only media: playback.ready",
            mns_cloudevent(
                text(callback("ProduceMediaComplete", "job-sample-0003", "media-audio-only")), "s-3"
            ),
        ),
        "mns-queue-batch.json": (
            "an EventBridge batch: an OSS-only upload (qc.passed) and the ladder again (playback.ready)",
            [
                mns_cloudevent(
                    text(callback("FileUploadComplete", "job-sample-0004", "media-oss-only")), "s-4"
                ),
                mns_cloudevent(
                    text(callback("UploadByURLComplete", "job-sample-0005", "media-ladder-ok")), "s-5"
                ),
            ],
        ),
        "mns-topic.json": (
            "an MNS topic message (JSON); the reference media fails a duration rule: qc.alert (qc_failed)",
            mns_topic_json(text(callback("TranscodeComplete", "job-sample-0006", "media-reference")), "s-6"),
        ),
        "failed-job.json": (
            "a raw callback of a job ICE reports failed: qc.alert (job_failed)",
            callback(
                "ProduceMediaComplete",
                "job-sample-0007",
                None,
                status="Fail",
                error=("InvalidParameter.Timeline", "timeline has no clips"),
            ),
        ),
    }
