"""Whatever arrives, decode never raises and never loses an item: one item per batch element."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from playgate.events import IceEvent, MalformedItem, decode

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)

# what ICE can send: printable identifiers, text without lone surrogates (decode refuses the rest)
ids = st.text(st.characters(codec="utf-8", exclude_categories=("C", "Z")), max_size=8)
texts = st.text(st.characters(codec="utf-8"), max_size=20)

ice_events = st.fixed_dictionaries(
    {
        "EventType": st.sampled_from(["MediaConvertComplete", "FileUploadComplete", "SnapshotComplete"]),
        "UserId": st.integers(min_value=0, max_value=2**80),
        "EventTime": st.just("2024-05-20T03:14:15Z"),
        "MessageBody": st.fixed_dictionaries(
            {"Status": st.sampled_from(["Success", "Fail", "Finished", "x"]), "JobId": ids},
            optional={"MediaId": ids, "UserData": texts},
        ),
    }
)


def message_bodies():
    """(is a good ICE event, the messageBody) pairs."""
    good_text = ice_events.map(json.dumps)
    good_base64 = ice_events.map(lambda e: base64.b64encode(json.dumps(e).encode()).decode())
    junk = json_values.map(json.dumps) | st.text(max_size=40) | json_values
    return st.tuples(st.just(True), good_text | good_base64) | st.tuples(st.just(False), junk)


cloudevents = st.builds(
    lambda i, tagged: (
        tagged[0],
        {"id": f"id-{i}", "source": "MNS-test", "specversion": "1.0", "data": {"messageBody": tagged[1]}},
    ),
    st.integers(min_value=0, max_value=10**6),
    message_bodies(),
)


def expected_count(value) -> int | None:
    """Items decode must give for a parsed value; None for text (it is read as JSON text, may be an array)."""
    if isinstance(value, list):
        return len(value)
    return None if isinstance(value, str) else 1


def assert_items(items) -> None:
    assert isinstance(items, list)
    assert all(isinstance(i, IceEvent | MalformedItem) for i in items)


@FAST
@given(json_values)
@example("[1, 2]")
@example([{"EventType": "X"}, "not json", None])
def test_any_parsed_json_gives_one_item_per_element(value):
    items = decode(value)
    assert_items(items)
    if expected_count(value) is not None:
        assert len(items) == expected_count(value)


@FAST
@given(json_values)
def test_any_json_text_never_raises(value):
    items = decode(json.dumps(value).encode())
    assert_items(items)
    if expected_count(value) is not None:
        assert len(items) == expected_count(value)


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_never_raise(data):
    assert_items(decode(data))


@FAST
@given(st.text(max_size=300))
def test_any_text_never_raises(text):
    assert_items(decode(text))


@FAST
@given(st.lists(cloudevents, max_size=8))
def test_cloudevent_batches_keep_every_element_and_decode_every_good_one(batch):
    items = decode(json.dumps([cloudevent for _, cloudevent in batch]).encode())
    assert len(items) == len(batch)
    for (good, cloudevent), item in zip(batch, items, strict=True):
        assert item.delivery_id == cloudevent["id"]
        if good:
            assert isinstance(item, IceEvent)


@FAST
@given(ice_events)
def test_user_id_survives_every_envelope_exactly(event):
    base64_body = base64.b64encode(json.dumps(event).encode()).decode()
    envelopes = [
        event,
        {"specversion": "1.0", "id": "a", "source": "s", "data": {"messageBody": json.dumps(event)}},
        {"specversion": "1.0", "id": "a", "source": "s", "data": {"messageBody": base64_body}},
        {"TopicOwner": "1", "TopicName": "t", "MessageId": "m", "Message": base64_body},
        {"version": "v1", "rawPath": "/", "isBase64Encoded": True, "body": base64_body},
    ]
    for envelope in envelopes:
        (item,) = decode(json.dumps(envelope))
        assert isinstance(item, IceEvent)
        assert item.user_id == event["UserId"]
