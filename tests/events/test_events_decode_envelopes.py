"""Every envelope kind an ICE callback arrives in decodes to the same typed event."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from playgate.events import IceEvent, MalformedItem, decode

MEDIA_CONVERT_JOB = "a0f3c5d2e4b64b1c9d8e7f6a5b4c3d21"
MEDIA_CONVERT_MEDIA = "3c2b1a0f9e8d71efbf5e0675b3d1****"


def only_event(items) -> IceEvent:
    assert len(items) == 1
    assert isinstance(items[0], IceEvent), items[0]
    return items[0]


def test_raw_callback_gives_every_field(fixture_bytes):
    event = only_event(decode(fixture_bytes("raw_media_convert_complete")))
    assert event.event_type == "MediaConvertComplete"
    assert event.job_id == MEDIA_CONVERT_JOB
    assert event.media_id == MEDIA_CONVERT_MEDIA
    assert event.status == "success" and event.status_raw == "Success"
    assert event.user_data == {"profile": "hls-ladder", "ticket": "T-1042"}
    assert event.event_time == datetime(2024, 5, 20, 3, 14, 15, tzinfo=timezone.utc)
    assert event.user_id == 18332209775600013
    assert event.delivery_source == "raw" and event.delivery_id is None
    assert event.message_body["JobId"] == MEDIA_CONVERT_JOB


def test_mns_queue_cloudevent_with_json_body_carries_the_cloudevent_id(fixture_bytes):
    event = only_event(decode(fixture_bytes("mns_queue_single")))
    assert (event.event_type, event.job_id, event.media_id) == (
        "MediaConvertComplete",
        MEDIA_CONVERT_JOB,
        MEDIA_CONVERT_MEDIA,
    )
    assert event.delivery_id == "4A1C2F3E-0000-4000-8000-000000000001"
    assert event.delivery_source == "MNS-qc-gate-ice-callback"


def test_mns_queue_cloudevent_with_base64_body_is_decoded(fixture_bytes):
    event = only_event(decode(fixture_bytes("mns_queue_base64")))
    assert event.event_type == "FileUploadComplete"
    assert event.media_id == "c321b3a0041a71eda1590674a2ce0001"
    assert event.file_url.startswith("http://outin-demo.oss-cn-shanghai.aliyuncs.com/")
    assert event.delivery_id == "4A1C2F3E-0000-4000-8000-000000000002"


def test_mns_queue_batch_keeps_the_good_items_around_a_bad_one(fixture_bytes):
    items = decode(fixture_bytes("mns_queue_batch"))
    assert [type(i).__name__ for i in items] == ["IceEvent", "MalformedItem", "IceEvent"]
    assert items[0].event_type == "TranscodeComplete"
    assert items[2].event_type == "ProduceMediaComplete" and items[2].status == "failure"
    bad = items[1]
    assert bad.index == 1 and bad.where == "batch item 1" and bad.path == "data.messageBody"
    assert bad.message == "batch item 1: data.messageBody is not JSON (nor base64 of JSON)"
    assert bad.delivery_id == "4A1C2F3E-0000-4000-8000-000000000004"
    assert '"messageBody": "TEST"' in bad.raw


def test_mns_topic_json_format_with_base64_message(fixture_bytes):
    event = only_event(decode(fixture_bytes("mns_topic_json")))
    assert event.event_type == "TranscodeComplete"
    assert event.delivery_source == "mns-topic"
    assert event.delivery_id == "D7D5BB7A2D8F4A1C-1-18F9B4C5D1A-200000001"


def test_mns_topic_stream_format_with_attributes(fixture_bytes):
    event = only_event(decode(fixture_bytes("mns_topic_stream_attrs")))
    assert event.event_type == "BatchProduceMediaComplete"
    assert event.status == "success" and event.status_raw == "Finished"
    assert event.delivery_source == "mns-topic"
    assert event.delivery_id == "D7D5BB7A2D8F4A1C-1-18F9B4C5D1A-200000002"


def test_mns_topic_stream_format_raw_body_is_the_callback_itself(fixture_bytes):
    event = only_event(decode(fixture_bytes("raw_transcode_complete")))
    assert event.event_type == "TranscodeComplete" and event.delivery_source == "raw"


def test_fc_http_trigger_with_base64_body(fixture_bytes):
    event = only_event(decode(fixture_bytes("http_trigger")))
    assert event.event_type == "MediaConvertComplete" and event.job_id == MEDIA_CONVERT_JOB
    assert event.delivery_source == "http"
    assert event.delivery_id == "1-6650a9d8-1a2b3c4d5e6f7a8b9c0d1e2f"


def test_fc_http_trigger_with_plain_text_body(fixture_json):
    trigger = fixture_json("http_trigger")
    trigger["isBase64Encoded"] = False
    trigger["body"] = json.dumps(fixture_json("raw_produce_media_failed"))
    event = only_event(decode(trigger))
    assert event.event_type == "ProduceMediaComplete" and event.delivery_source == "http"


def test_cloudevent_whose_data_is_the_ice_event_itself(fixture_json):
    cloudevent = fixture_json("mns_queue_single")
    cloudevent["data"] = fixture_json("raw_transcode_complete")
    event = only_event(decode(cloudevent))
    assert event.event_type == "TranscodeComplete" and event.delivery_id == cloudevent["id"]


@pytest.mark.parametrize("form", ["bytes", "str", "parsed", "bytearray"])
def test_bytes_text_and_parsed_payloads_decode_alike(fixture_bytes, form):
    raw = fixture_bytes("mns_queue_batch")
    payload = {"bytes": raw, "str": raw.decode(), "parsed": json.loads(raw), "bytearray": bytearray(raw)}[
        form
    ]
    items = decode(payload)
    assert [type(i) for i in items] == [IceEvent, MalformedItem, IceEvent]
    assert items[2].user_id == 18332209775600013


def test_a_payload_that_is_base64_of_the_callback_is_decoded(fixture_bytes):
    import base64

    event = only_event(decode(base64.b64encode(fixture_bytes("raw_transcode_complete"))))
    assert event.event_type == "TranscodeComplete"


def test_utf8_byte_order_mark_is_ignored(fixture_bytes):
    event = only_event(decode(b"\xef\xbb\xbf" + fixture_bytes("raw_transcode_complete")))
    assert event.job_id == "7c6b5a4f3e2d4c1b0a9f8e7d6c5b4a39"


def test_event_decoded_back_from_its_raw_callback_is_equal(fixture_bytes):
    event = only_event(decode(fixture_bytes("mns_topic_json")))
    again = only_event(decode(json.dumps(event.raw_callback())))
    assert again.model_dump(exclude={"delivery_id", "delivery_source"}) == event.model_dump(
        exclude={"delivery_id", "delivery_source"}
    )
