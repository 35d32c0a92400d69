"""Completion events in, playback URLs or alerts out, once — through the FC handler and real local parts."""

from __future__ import annotations

import base64
import json

import pytest

from playgate.testing.sample_events import callback, mns_cloudevent, mns_topic_json

LADDER = "media-ladder-ok"


def ladder_callback(job_id: str = "job-e2e-1") -> dict:
    return callback("MediaConvertComplete", job_id, LADDER)


def http_trigger(body: dict) -> dict:
    return {
        "version": "v1",
        "rawPath": "/ice/callback",
        "body": base64.b64encode(json.dumps(body).encode()).decode(),
        "isBase64Encoded": True,
        "headers": {"Content-Type": "application/json"},
        "queryParameters": {},
        "requestContext": {"requestId": "req-http-1", "http": {"method": "POST", "path": "/ice/callback"}},
    }


ENVELOPES = {
    "raw bytes": lambda body: json.dumps(body).encode(),
    "raw text": lambda body: json.dumps(body),
    "raw parsed": lambda body: body,
    "MNS queue, JSON body": lambda body: mns_cloudevent(json.dumps(body), "m-1"),
    "MNS queue, base64 body": lambda body: mns_cloudevent(
        base64.b64encode(json.dumps(body).encode()).decode(), "m-2"
    ),
    "MNS queue, batch of one": lambda body: [mns_cloudevent(json.dumps(body), "m-3")],
    "MNS topic, JSON format": lambda body: mns_topic_json(json.dumps(body), "t-1"),
    "MNS topic, STREAM format": lambda body: json.dumps(body).encode(),
    "MNS topic, STREAM with attributes": lambda body: {"body": json.dumps(body), "attrs": {"k": "v"}},
    "FC HTTP trigger": http_trigger,
}


@pytest.mark.parametrize("envelope", ENVELOPES, ids=list(ENVELOPES))
def test_every_envelope_kind_publishes_playback_ready_with_the_renditions(make_world, envelope):
    # HTTP callbacks unsigned only by the operator's opt-in (signed ones: test_gate_http_callback.py)
    world = make_world(callback_allow_unsigned=True)
    summary = world.send(ENVELOPES[envelope](ladder_callback()))

    assert summary["results"][0]["status"] == "published", summary
    [message] = world.messages("playback")
    assert message["type"] == "playgate.playback.ready"
    assert message["specversion"] == "1.0"
    assert message["source"] == "playgate/qc-gate-test"
    assert message["subject"] == LADDER
    data = message["data"]
    assert (data["media_id"], data["job_id"], data["event_type"]) == (
        LADDER,
        "job-e2e-1",
        "MediaConvertComplete",
    )
    assert {r["definition"] for r in data["renditions"]} == {"FHD", "HD", "SD"}
    assert all(r["url"].startswith("https://cdn.example.com/") for r in data["renditions"])
    assert all("expires_at" in r for r in data["renditions"]), "auth_key-signed URLs carry their expiry"
    assert data["qc"]["outcome"] in {"pass", "warn"}
    assert world.messages("alerts") == []


def test_a_duplicate_through_another_envelope_publishes_nothing_more(world):
    first = world.send(json.dumps(ladder_callback()))
    again = world.send(mns_cloudevent(json.dumps(ladder_callback()), "m-dup"))
    third = world.send(mns_topic_json(json.dumps(ladder_callback()), "t-dup"))

    assert first["results"][0]["status"] == "published"
    assert again["results"][0]["status"] == third["results"][0]["status"] == "duplicate"
    assert len(world.messages("playback")) == 1


def test_the_message_id_is_deterministic_for_the_same_job_and_outcome(make_world, tmp_path):
    world = make_world()
    world.send(ladder_callback())
    (tmp_path / "store.sqlite3").unlink()  # a lost record: the job is handled again
    world2 = make_world()
    world2.send(ladder_callback())

    first, second = world2.messages("playback")
    assert first["id"] == second["id"]


def test_a_failed_job_alerts_with_its_error_and_fetches_nothing(world):
    payload = callback(
        "ProduceMediaComplete",
        "job-failed-1",
        LADDER,
        status="Fail",
        error=("InvalidParameter.Timeline", "timeline has no clips"),
    )
    summary = world.send(payload)

    assert summary["results"][0]["reason"] == "job_failed"
    [alert] = world.messages("alerts")
    assert alert["type"] == "playgate.qc.alert"
    assert alert["data"]["reason"] == "job_failed"
    assert alert["data"]["error"] == {"code": "InvalidParameter.Timeline", "message": "timeline has no clips"}
    assert world.emulator.calls == []


def test_an_unknown_media_alerts_media_not_found_with_icess_error(world):
    world.send(callback("MediaConvertComplete", "job-missing-1", "media-that-does-not-exist"))

    [alert] = world.messages("alerts")
    assert alert["data"]["reason"] == "media_not_found"
    assert alert["data"]["media_id"] == "media-that-does-not-exist"
    assert alert["data"]["error"]["code"]
    assert world.messages("playback") == []


def test_a_media_that_is_not_ready_alerts_media_not_ready(world):
    world.send(callback("RegisterMediaComplete", "job-preparing-1", "media-preparing"))

    [alert] = world.messages("alerts")
    assert alert["data"]["reason"] == "media_not_ready"


def test_a_broken_rendition_alerts_qc_failed_naming_rule_subject_actual_and_expected(world):
    world.send(callback("MediaConvertComplete", "job-broken-1", "media-broken-rendition"))

    [alert] = world.messages("alerts")
    data = alert["data"]
    assert data["reason"] == "qc_failed"
    failing = [f for f in data["findings"] if f["outcome"] == "fail"]
    assert failing, data
    assert all(f["rule"] and f["subject"] and f["message"] for f in failing)
    assert any("rendition" in f["subject"] for f in failing)
    assert "QC FAIL" in data["report_markdown"]
    assert world.messages("playback") == []


def test_an_oss_only_media_that_passes_gets_qc_passed(world):
    world.send(callback("FileUploadComplete", "job-oss-1", "media-oss-only"))

    [message] = world.messages("playback")
    assert message["type"] == "playgate.qc.passed"
    assert message["data"]["file_url"]


def test_malformed_items_are_dead_lettered_while_the_rest_of_the_batch_publishes(world):
    batch = [
        mns_cloudevent(json.dumps(ladder_callback("job-batch-1")), "m-a"),
        mns_cloudevent("{not json", "m-b"),
        mns_cloudevent(json.dumps({"no": "EventType"}), "m-c"),
        mns_cloudevent(json.dumps(callback("FileUploadComplete", "job-batch-2", "media-oss-only")), "m-d"),
    ]
    summary = world.send(batch)

    assert "retry" not in summary
    assert [r["status"] for r in summary["results"]] == [
        "published",
        "dead_letter",
        "dead_letter",
        "published",
    ]
    dead = world.messages("dead-letters")
    assert [d["type"] for d in dead] == ["playgate.dead_letter"] * 2
    assert sorted(d["data"]["delivery_id"] for d in dead) == ["evt-m-b", "evt-m-c"]  # the CloudEvent id
    assert all(d["data"]["reason"] == "malformed_event" for d in dead)
    assert len(world.messages("playback")) == 2


def test_event_types_that_finish_no_media_job_are_acknowledged_and_skipped(world):
    summary = world.send(callback("SnapshotComplete", "job-snap-1", LADDER))

    assert summary["results"][0]["status"] == "skipped"
    assert world.messages("playback") == world.messages("alerts") == []
    assert world.emulator.calls == []


def test_ice_throttling_is_retried_and_the_event_still_publishes(world):
    world.emulator.inject("throttling", next_n=3)
    summary = world.send(ladder_callback())

    assert summary["results"][0]["status"] == "published"
    assert len(world.messages("playback")) == 1
    assert len(world.emulator.calls) >= 5  # three throttled answers, then both calls through


def test_ice_still_unavailable_makes_the_invocation_retry_and_a_redelivery_publishes_once(make_world):
    world = make_world(ice_max_attempts=2, ice_deadline_s=2.0)
    world.emulator.inject("5xx", rate=1.0, seed=1)
    first = world.send(ladder_callback())

    assert first.get("retry") is True
    assert first["results"][0]["status"] == "retry"
    assert world.messages("playback") == world.messages("alerts") == []

    world.emulator.clear_faults()
    second = world.send(ladder_callback())
    third = world.send(ladder_callback())
    assert second["results"][0]["status"] == "published"
    assert third["results"][0]["status"] == "duplicate"
    assert len(world.messages("playback")) == 1


def test_user_data_chooses_the_profile_reported_in_the_message(world):
    payload = callback("MediaConvertComplete", "job-profile-1", LADDER, user_data={"qcProfile": "hls-ladder"})
    world.send(payload)

    messages = world.messages("playback") + world.messages("alerts")
    assert len(messages) == 1
    data = messages[0]["data"]
    profile = data["qc"]["profile"] if "qc" in data else data["profile"]
    assert profile == "hls-ladder"


def test_two_uploads_of_one_media_without_job_ids_publish_two_distinct_message_ids(world):
    first = callback("FileUploadComplete", "unused", "media-oss-only")
    second = callback("FileUploadComplete", "unused", "media-oss-only")
    for payload, when in ((first, "2024-05-01T08:00:00Z"), (second, "2024-05-02T09:30:00Z")):
        del payload["MessageBody"]["JobId"]  # upload events often carry none
        payload["EventTime"] = when
    world.send(first)
    world.send(second)
    world.send(second)  # a duplicate of the second

    ids = [m["id"] for m in world.messages("playback")]
    assert len(ids) == 2 and len(set(ids)) == 2
