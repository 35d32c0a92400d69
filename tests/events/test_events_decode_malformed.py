"""What is not an ICE event becomes a MalformedItem that says why and where, with a redacted raw text."""

from __future__ import annotations

import json

import pytest

from playgate.errors import MalformedEvent
from playgate.events import IceEvent, MalformedItem, decode
from playgate.events.decode import RAW_LIMIT


def one_bad(payload) -> MalformedItem:
    (item,) = decode(payload)
    assert isinstance(item, MalformedItem), item
    return item


def test_vod_flat_callback_is_named_as_such(fixture_bytes):
    bad = one_bad(fixture_bytes("vod_flat_callback"))
    assert "ApsaraVideo VOD callback" in bad.reason
    assert "lowercase Status 'success'" in bad.reason
    assert bad.where == "payload"


def test_timer_trigger_is_pointed_at_the_reconciler(fixture_bytes):
    assert "timer trigger" in one_bad(fixture_bytes("timer_trigger")).reason


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"not json at all!", "the payload is not JSON (nor base64 of JSON)"),
        (b"\xff\xfe\x00", "the payload is not UTF-8 text"),
        (b"", "the payload is not JSON"),
        ("42", "expected a JSON object, got a number"),
        (None, "expected a JSON object, got null"),
        ({"hello": "world"}, "no EventType in the item: not an ICE event (keys: hello)"),
        ({"EventType": 5, "MessageBody": {}}, "no EventType"),
        (
            {"EventType": "X", "EventTime": "2024-01-01T00:00:00Z", "MessageBody": [1]},
            "MessageBody is an array",
        ),
    ],
)
def test_unreadable_payloads_say_what_is_wrong(payload, expected):
    assert expected in one_bad(payload).reason


def test_cloudevent_without_message_body_names_the_field_and_the_delivery(fixture_json):
    cloudevent = fixture_json("mns_queue_single")
    del cloudevent["data"]["messageBody"]
    bad = one_bad(cloudevent)
    assert bad.path == "data"
    assert bad.delivery_id == cloudevent["id"]
    assert bad.delivery_source == "MNS-qc-gate-ice-callback"


def test_message_body_that_is_no_ice_event_is_malformed(fixture_json):
    cloudevent = fixture_json("mns_queue_single")
    cloudevent["data"]["messageBody"] = json.dumps({"VideoId": "v", "Status": "success"})
    bad = one_bad(cloudevent)
    assert bad.message.startswith("payload: no EventType in data.messageBody")


def test_http_body_flagged_base64_that_is_not(fixture_json):
    trigger = fixture_json("http_trigger")
    trigger["body"] = "%%% not base64 %%%"
    bad = one_bad(trigger)
    assert bad.reason == "isBase64Encoded is true but the body is not base64"
    assert bad.delivery_id == "1-6650a9d8-1a2b3c4d5e6f7a8b9c0d1e2f"


def test_raw_text_is_redacted(fixture_json):
    produce = fixture_json("raw_produce_media_failed")
    produce.update(produce.pop("MessageBody"))  # flat: malformed, with a signed URL and an access key id
    bad = one_bad(produce)
    assert "LTAI5tFakeFakeFake12" not in bad.raw
    assert "abcDEF" not in bad.raw
    assert "Signature=***" in bad.raw


def test_raw_text_of_a_non_json_payload_is_redacted_too():
    bad = one_bad(b"oops https://b.oss.aliyuncs.com/x.mp4?OSSAccessKeyId=LTAI5tAbcdefgh123&Signature=zz%2Fz")
    assert "LTAI5tAbcdefgh123" not in bad.raw and "zz%2Fz" not in bad.raw


def test_raw_text_is_truncated():
    bad = one_bad({"junk": "x" * (RAW_LIMIT * 10)})
    assert len(bad.raw) == RAW_LIMIT
    assert bad.raw.endswith("…")


def test_malformed_item_becomes_a_final_malformed_event_error(fixture_bytes):
    (_, bad, _) = decode(fixture_bytes("mns_queue_batch"))
    error = bad.error()
    assert isinstance(error, MalformedEvent) and not error.retryable
    assert error.reason == "malformed_event"
    assert str(error) == "batch item 1: data.messageBody is not JSON (nor base64 of JSON)"
    assert error.request_id == "4A1C2F3E-0000-4000-8000-000000000004"


def test_batch_of_mixed_items_gives_one_item_each_in_order(fixture_json):
    batch = [
        fixture_json("raw_transcode_complete"),
        7,
        "not json",
        [1, 2],
        fixture_json("vod_flat_callback"),
        None,
    ]
    items = decode(batch)
    assert len(items) == len(batch)
    assert isinstance(items[0], IceEvent)
    assert [i.index for i in items[1:]] == [1, 2, 3, 4, 5]
    assert items[3].reason.startswith("expected a JSON object, got an array")


def test_empty_batch_gives_no_items():
    assert decode(b"[]") == []


def test_deeply_nested_json_does_not_crash():
    assert isinstance(one_bad("[" * 100_000 + "]" * 100_000), MalformedItem)


def test_self_referencing_parsed_payload_does_not_crash():
    loop: dict = {"EventType": "X"}
    loop["MessageBody"] = loop
    (item,) = decode(loop)
    assert isinstance(item, MalformedItem | IceEvent)


@pytest.mark.parametrize(
    ("user_data", "place"),
    [
        ({"a": [1, {"b": "x\ud800"}]}, "MessageBody.UserData.a[1].b"),
        ({"ok": "fine", "k\udc00": 1}, "MessageBody.UserData.k\\udc00"),
        ({"l": ["ok", "\udfff"]}, "MessageBody.UserData.l[1]"),
    ],
)
def test_a_lone_surrogate_is_refused_with_its_place(user_data, place):
    body = {"Status": "Success", "JobId": "job-s", "MediaId": "m-1", "UserData": json.dumps(user_data)}
    payload = json.dumps(
        {
            "EventType": "TranscodeComplete",
            "UserId": 1,
            "EventTime": "2024-05-01T00:00:00Z",
            "MessageBody": body,
        }
    )
    bad = one_bad(payload.encode())
    assert "lone UTF-16 surrogate" in bad.reason and place in bad.reason, bad.reason
