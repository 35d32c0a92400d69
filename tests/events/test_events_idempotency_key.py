"""The idempotency key: one per job and media, the same for every duplicate of a callback."""

from __future__ import annotations

import copy
import json

import pytest

from playgate.events import IceEvent, decode, event_family


def one(payload) -> IceEvent:
    (item,) = decode(payload)
    assert isinstance(item, IceEvent), item
    return item


@pytest.mark.parametrize(
    ("event_type", "family"),
    [
        ("MediaConvertComplete", "mediaconvert"),
        ("MediaConvertOutputComplete", "mediaconvert"),
        ("MediaConvertOutputGroupComplete", "mediaconvert"),
        ("TranscodeComplete", "transcode"),
        ("TranscodeParentComplete", "transcode"),
        ("FileUploadComplete", "upload"),
        ("UploadByURLComplete", "upload"),
        ("StreamUploadComplete", "upload"),
        ("ProduceMediaComplete", "produce"),
        ("BatchProduceMediaComplete", "produce"),
        ("RegisterMediaComplete", "register"),
        ("AIProduceComplete", "aiproduce"),
        ("MediaInfoJobComplete", "mediainfo"),
        ("SnapshotComplete", "snapshotcomplete"),
    ],
)
def test_event_types_of_one_job_kind_share_a_family(event_type, family):
    assert event_family(event_type) == family


def test_key_is_family_job_and_media(fixture_bytes):
    event = one(fixture_bytes("raw_media_convert_complete"))
    assert (
        event.idempotency_key
        == "mediaconvert:a0f3c5d2e4b64b1c9d8e7f6a5b4c3d21:3c2b1a0f9e8d71efbf5e0675b3d1****"
    )


def test_the_same_callback_through_every_envelope_has_one_key(fixture_bytes):
    keys = {
        one(fixture_bytes(name)).idempotency_key
        for name in ("raw_media_convert_complete", "mns_queue_single", "http_trigger")
    }
    assert len(keys) == 1


def test_upload_without_job_id_is_keyed_by_media_and_event_time(fixture_bytes):
    event = one(fixture_bytes("raw_file_upload_complete"))
    assert event.idempotency_key == "upload:@20220715T084814Z:c321b3a0041a71eda1590674a2ce0001"
    duplicate = one(fixture_bytes("mns_queue_base64"))  # the same upload event, redelivered via MNS
    assert duplicate.idempotency_key == event.idempotency_key


def test_a_second_upload_of_the_same_media_is_a_new_key(fixture_json):
    first = fixture_json("raw_file_upload_complete")
    second = copy.deepcopy(first)
    second["EventTime"] = "2022-07-16T09:00:00Z"
    assert one(first).idempotency_key != one(second).idempotency_key


def test_equal_instants_in_different_offsets_give_one_key(fixture_json):
    utc = fixture_json("raw_file_upload_complete")
    shanghai = copy.deepcopy(utc)
    shanghai["EventTime"] = "2022-07-15T16:48:14+08:00"
    assert one(utc).idempotency_key == one(shanghai).idempotency_key


def test_different_jobs_and_different_media_have_different_keys(fixture_json):
    base = fixture_json("raw_media_convert_complete")
    other_job = copy.deepcopy(base)
    other_job["MessageBody"]["JobId"] = "another-job"
    other_media = copy.deepcopy(base)
    other_media["MessageBody"]["MediaId"] = "another-media"
    other_kind = copy.deepcopy(base)
    other_kind["EventType"] = "TranscodeComplete"
    keys = [one(p).idempotency_key for p in (base, other_job, other_media, other_kind)]
    assert len(set(keys)) == 4


def test_key_does_not_depend_on_delivery_or_status_text(fixture_json):
    base = fixture_json("raw_transcode_complete")
    again = copy.deepcopy(base)
    again["MessageBody"]["Status"] = "success"
    again["UserId"] = 1
    cloudevent = fixture_json("mns_queue_single")
    cloudevent["data"]["messageBody"] = json.dumps(again)
    assert one(base).idempotency_key == one(cloudevent).idempotency_key


def test_job_without_media_has_a_placeholder(fixture_bytes):
    event = one(fixture_bytes("raw_batch_produce_finished"))
    assert event.idempotency_key == "produce:batch-2f1e0d9c8b7a4f6e5d4c3b2a1f0e9d8c:-"


def keyed(event_type: str, job_id: str | None, media_id: str | None) -> str:
    body = {"Status": "Success"}
    if job_id is not None:
        body["JobId"] = job_id
    if media_id is not None:
        body["MediaId"] = media_id
    raw = {"EventType": event_type, "EventTime": "2024-05-01T08:48:14Z", "MessageBody": body}
    return one(raw).idempotency_key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("x:y", "m"), ("x", "y:m")),  # the separator inside an id
        (("x%3Ay", "m"), ("x:y", "m")),  # the escape itself
        (("@20240501T084814Z", "m"), (None, "m")),  # a JobId spelled like the time token of no JobId
        (("j", "-"), ("j", None)),  # a MediaId spelled like "no media"
    ],
    ids=["colon", "percent", "at", "dash"],
)
def test_different_ids_never_share_a_key(first, second):
    assert keyed("MediaConvertComplete", *first) != keyed("MediaConvertComplete", *second)


def test_ids_ice_issues_are_keyed_as_they_are():
    assert keyed("MediaConvertComplete", "ab48****", "4765-33_70") == "mediaconvert:ab48****:4765-33_70"
