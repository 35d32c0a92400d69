from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from playgate.publish.cloudevents import (
    DEAD_LETTER,
    PLAYBACK_READY,
    QC_ALERT,
    QC_PASSED,
    event_id,
    make_event,
)


def _event(*id_parts: str, time: datetime | None = None) -> dict:
    return make_event(
        PLAYBACK_READY,
        source="playgate/qc-gate",
        subject="m1",
        data={"media_id": "m1"},
        id_parts=id_parts,
        time=time,
    )


def test_the_same_parts_give_the_same_id_at_any_time() -> None:
    first = _event("job-1", "m1", "ok", time=datetime(2026, 1, 1, tzinfo=timezone.utc))
    later = _event("job-1", "m1", "ok", time=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=5))
    assert first["id"] == later["id"]
    assert first["time"] != later["time"]


def test_the_id_is_the_same_in_another_process() -> None:
    code = "from playgate.publish.cloudevents import event_id; print(event_id('job-1', 'm1', 'ok'))"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == event_id("job-1", "m1", "ok")


def test_different_parts_give_different_ids_even_when_joined_alike() -> None:
    ids = {
        event_id("job-1", "m1", "ok"),
        event_id("job-1", "m1", "qc_failed"),
        event_id("job-2", "m1", "ok"),
        event_id("job-1m1", "ok"),
        event_id("job-1", "m1ok"),
        event_id("job-1|m1", "ok"),
    }
    assert len(ids) == 6
    assert all(len(i) == 32 and set(i) <= set("0123456789abcdef") for i in ids)


def test_an_event_is_cloudevents_1_0_structured_json() -> None:
    event = _event("job-1", "m1", "ok", time=datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=timezone.utc))
    assert event == json.loads(json.dumps(event))
    assert event["specversion"] == "1.0"
    assert event["type"] == PLAYBACK_READY
    assert event["source"] == "playgate/qc-gate"
    assert event["subject"] == "m1"
    assert event["time"] == "2026-03-04T05:06:07.891Z"
    assert event["datacontenttype"] == "application/json"
    assert event["data"] == {"media_id": "m1"}


def test_a_naive_or_local_time_is_written_in_utc() -> None:
    plus8 = timezone(timedelta(hours=8))
    assert _event("a", time=datetime(2026, 3, 4, 13, 0, tzinfo=plus8))["time"] == "2026-03-04T05:00:00.000Z"
    assert _event("a", time=datetime(2026, 3, 4, 5, 0))["time"] == "2026-03-04T05:00:00.000Z"


def test_an_event_without_subject_leaves_the_attribute_out() -> None:
    event = make_event(DEAD_LETTER, source="playgate/x", subject=None, data={}, id_parts=("dl",))
    assert "subject" not in event


def test_the_event_types_are_the_documented_names() -> None:
    assert (PLAYBACK_READY, QC_ALERT, QC_PASSED, DEAD_LETTER) == (
        "playgate.playback.ready",
        "playgate.qc.alert",
        "playgate.qc.passed",
        "playgate.dead_letter",
    )


# Consumers deduplicate on (source, id), so these ids are what deployed consumers have already stored: a
# change to the scheme makes every redelivered message look new. Change these values only on purpose,
# with a release note, never because a refactoring moved them.
GOLDEN_EVENT_ID = "4d5c5a221e4ff1c6d6432fb15a4f4f64"  # event_id("job-1", "m1", "ok")
GOLDEN_GATE_IDS = {
    "playgate.playback.ready": "5418e98b9a741b97886c16cfa3ce5138",
    "playgate.qc.alert": "bbfb8b6e943e3be8aa574b1daab9092e",
    "playgate.dead_letter": "0784100489f3325cbe22f7933d2a14c0",
}


def test_the_id_scheme_gives_the_golden_id() -> None:
    assert event_id("job-1", "m1", "ok") == GOLDEN_EVENT_ID


def test_the_gate_publishes_each_kind_of_message_with_its_golden_id(make_world) -> None:
    from playgate.testing.sample_events import callback

    world = make_world()
    world.send(
        callback("MediaConvertComplete", "job-golden-1", "media-ladder-ok")
    )  # key, media, type, outcome
    world.send(callback("ProduceMediaComplete", "job-golden-2", None, status="Fail", error=("E", "boom")))
    world.send(b"not json at all")  # a dead letter's id: its reason and the payload's sha256
    messages = [m for sink in ("playback", "alerts", "dead-letters") for m in world.messages(sink)]
    assert {m["type"]: m["id"] for m in messages} == GOLDEN_GATE_IDS
    assert len(messages) == 3
