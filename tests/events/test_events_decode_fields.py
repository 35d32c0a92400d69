"""The fields of an ICE event are read exactly: big user ids, statuses, UserData, times."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from playgate.events import IceEvent, MalformedItem, decode

BIG_USER_ID = 2**63 + 12345  # far beyond 2**53: any pass through float would change it


def callback(**body) -> dict:
    return {
        "EventType": "MediaConvertComplete",
        "UserId": 1,
        "EventTime": "2024-05-20T03:14:15Z",
        "MessageBody": body,
    }


def one(payload) -> IceEvent:
    (item,) = decode(payload)
    assert isinstance(item, IceEvent), item
    return item


@pytest.mark.parametrize("as_text", [True, False])
def test_user_id_beyond_2_pow_53_is_kept_exact(as_text):
    payload = callback(Status="Success", JobId="j")
    payload["UserId"] = BIG_USER_ID
    event = one(json.dumps(payload) if as_text else payload)
    assert event.user_id == BIG_USER_ID
    assert json.loads(event.model_dump_json())["user_id"] == BIG_USER_ID


def test_user_id_inside_base64_cloudevent_body_is_kept_exact(fixture_bytes):
    (_, _, event) = decode(fixture_bytes("mns_queue_batch"))
    assert event.user_id == 18332209775600013
    assert float(18332209775600013) != 18332209775600013  # the fixture's id really is float-unsafe


def test_user_id_given_as_digits_is_read_and_a_float_is_not_trusted():
    as_digits = callback(Status="Success")
    as_digits["UserId"] = str(BIG_USER_ID)
    assert one(as_digits).user_id == BIG_USER_ID
    as_float = callback(Status="Success")
    as_float["UserId"] = 1.8332209775600013e16
    assert one(as_float).user_id is None


@pytest.mark.parametrize(
    ("raw", "error_code", "expected"),
    [
        ("Success", None, "success"),
        ("success", None, "success"),
        ("Finished", None, "success"),
        ("Fail", "InvalidParameter", "failure"),
        ("Failed", None, "failure"),
        ("PartialSuccess", None, "failure"),
        ("Canceled", None, "failure"),
        (None, None, "success"),
        (None, "InternalError", "failure"),
    ],
)
def test_status_is_normalized_and_the_raw_value_kept(raw, error_code, expected):
    body = {"JobId": "j"}
    if raw is not None:
        body["Status"] = raw
    if error_code:
        body["ErrorCode"] = error_code
    event = one(callback(**body))
    assert event.status == expected
    assert event.status_raw == raw
    assert event.error_code == error_code
    assert event.succeeded is (expected == "success")


def test_error_code_and_message_of_a_failed_job(fixture_bytes):
    event = one(fixture_bytes("raw_produce_media_failed"))
    assert event.status == "failure"
    assert event.error_code == "InvalidParameter.ResourceContent"
    assert event.error_message == "The resource content is invalid: clip 3 has no video track"
    assert event.project_id == "987624bab6a04d9fcdeefdd974c7aa01"
    assert event.media_url.startswith("https://bucket.oss-cn-shanghai.aliyuncs.com/out/produced.mp4")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"profile": "hd"}', {"profile": "hd"}),
        ('"{\\"profile\\": \\"hd\\"}"', {"profile": "hd"}),  # double-encoded
        ({"profile": "hd"}, {"profile": "hd"}),
        ("ticket-42", "ticket-42"),
        ("[1, 2]", "[1, 2]"),  # JSON, but not an object: kept as the text it is
        ("{not json", "{not json"),
        ("", None),
    ],
)
def test_user_data_is_parsed_when_it_is_a_json_object(raw, expected):
    assert one(callback(Status="Success", UserData=raw)).user_data == expected


def test_event_time_is_aware_and_keeps_offsets_and_milliseconds(fixture_bytes):
    assert one(fixture_bytes("raw_transcode_complete")).event_time == datetime(
        2024, 5, 20, 5, 30, 0, 250000, tzinfo=timezone.utc
    )
    payload = callback(Status="Success")
    payload["EventTime"] = "2024-05-20T11:14:15+08:00"
    when = one(payload).event_time
    assert when.utcoffset() == timedelta(hours=8)
    assert when == datetime(2024, 5, 20, 3, 14, 15, tzinfo=timezone.utc)


def test_missing_event_time_falls_back_to_the_cloudevent_time(fixture_json):
    cloudevent = fixture_json("mns_queue_single")
    body = json.loads(cloudevent["data"]["messageBody"])
    del body["EventTime"]
    cloudevent["data"]["messageBody"] = json.dumps(body)
    assert one(cloudevent).event_time == datetime(2024, 5, 20, 3, 14, 16, 93000, tzinfo=timezone.utc)


def test_missing_event_time_without_an_envelope_time_is_malformed():
    payload = callback(Status="Success")
    payload["EventTime"] = "yesterday"
    (item,) = decode(payload)
    assert isinstance(item, MalformedItem)
    assert "EventTime is missing or not an ISO 8601 time" in item.reason


def test_field_names_are_read_whatever_their_case():
    event = one(callback(status="Fail", jobId="j-1", mediaId="m-1", mediaUrl="https://x/y.mp4"))
    assert (event.status, event.job_id, event.media_id) == ("failure", "j-1", "m-1")
    assert event.media_url == "https://x/y.mp4"
    assert event.field("MEDIAURL") == "https://x/y.mp4"


def test_message_body_is_kept_whole_with_type_specific_fields(fixture_bytes):
    event = one(fixture_bytes("raw_file_upload_complete"))
    assert event.message_body == {
        "Status": "Success",
        "FileUrl": "http://outin-demo.oss-cn-shanghai.aliyuncs.com/sv/93ad7c5-182010aa3dc/93ad7c5-182010a0001.mp4",
        "MediaId": "c321b3a0041a71eda1590674a2ce0001",
        "AppId": "app-1000000",
        "Size": "5510872",
        "MediaType": "video",
    }
    assert event.field("MediaType") == "video"
    assert event.job_id is None


def test_events_are_frozen(fixture_bytes):
    event = one(fixture_bytes("raw_transcode_complete"))
    with pytest.raises(ValueError):
        event.status = "failure"
