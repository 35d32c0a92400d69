"""Reading MediaConvert output details: every place ICE lists them, and never raising on junk."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playgate.events import IceEvent
from playgate.events.mediaconvert import convert_outputs, fan_out

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["Result", "OutputFile", "Type", "Media", "Outputs", "OutputDetails",
                                       "OutputGroupDetails", "Name", "Status", "x"]), inner, max_size=4),
    max_leaves=25,
)  # fmt: skip


def event(body: dict, event_type: str = "MediaConvertComplete") -> IceEvent:
    return IceEvent(
        event_type=event_type,
        job_id="job-1",
        status="success",
        event_time=datetime(2024, 5, 1, tzinfo=timezone.utc),
        message_body=body,
    )


def detail(name: str, kind: str, media: str, **extra) -> dict:
    return {"Name": name, "Result": {"OutputFile": {"Type": kind, "Media": media}}, **extra}


def test_outputs_are_read_from_the_body_its_outputs_its_details_and_its_groups_each_once():
    body = {
        **detail("self", "Media", "m-0"),
        "Outputs": [detail("a", "media", "m-1")],
        "OutputDetails": [detail("b", "OSS", "oss://bucket/b.mp4"), detail("a", "media", "m-1")],
        "outputGroupDetails": [{"outputs": [detail("c", "Media", "m-2")]}],
    }
    outputs = convert_outputs(body)
    assert [(o.name, o.media_id) for o in outputs] == [
        ("self", "m-0"), ("a", "m-1"), ("b", None), ("c", "m-2"),
    ]  # fmt: skip


def test_one_event_per_output_media_with_the_key_of_that_media():
    body = {
        "OutputDetails": [
            detail("a", "Media", "m-1"),
            detail("b", "Media", "m-2"),
            detail("c", "Media", "m-1"),
        ]
    }
    events, skipped = fan_out(event(body))
    assert [e.media_id for e in events] == ["m-1", "m-2"] and skipped == []
    # each output media has its own key, the key an output event for that media has too
    keys = {e.idempotency_key for e in events}
    assert len(keys) == 2 and event(body).idempotency_key not in keys
    output_event = event(detail("a", "Media", "m-1"), "MediaConvertOutputComplete")
    assert fan_out(output_event)[0][0].idempotency_key == events[0].idempotency_key
    assert fan_out(event({"MediaId": "m-1"})) is None  # no output listed: gated as it is
    assert fan_out(event({"OutputDetails": []}, "TranscodeComplete")) is None


@FAST
@given(json_values)
def test_any_body_never_makes_fan_out_raise(body):
    result = fan_out(event(body if isinstance(body, dict) else {"Outputs": body}))
    if result is not None:
        events, skipped = result
        assert all(e.media_id for e in events) and all(s.reason for s in skipped)
