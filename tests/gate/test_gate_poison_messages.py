"""Poison messages through the real handler: lone surrogates, deep nesting, huge or non-text ids, keys
that could collide. Each item ends published or dead-lettered; none raises or retries for ever."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import pytest

import playgate.publish.publisher
from playgate import handler as fc
from playgate.publish.dead_letter import original_payload
from playgate.testing.sample_events import callback, mns_cloudevent

LADDER = "media-ladder-ok"


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def hostile_world(request, make_world):
    if request.param != "sqlite":
        return make_world(store=request.getfixturevalue(f"{request.param}_url"))
    return make_world()


def lines(world, sink: str) -> list[dict]:
    return world.messages(sink)  # parses every line: an unwritable record would fail here


def test_a_lone_surrogate_in_a_malformed_item_does_not_stop_the_valid_items_after_it(hostile_world):
    valid = [callback("MediaConvertComplete", f"job-poison-{uuid.uuid4().hex}", LADDER) for _ in range(2)]
    batch = [
        mns_cloudevent(json.dumps(valid[0]), "d-0"),
        mns_cloudevent("\udfff not json either", "d-1"),  # json.dumps writes the escape \udfff
        {"junk": "\udfff"},
        mns_cloudevent(json.dumps(valid[1]), "d-3"),
    ]
    summary = hostile_world.send(json.dumps(batch).encode())

    assert "retry" not in summary
    assert [r["status"] for r in summary["results"]] == [
        "published",
        "dead_letter",
        "dead_letter",
        "published",
    ]
    dead = lines(hostile_world, "dead-letters")
    assert len(dead) == 2
    assert "\\udfff" in dead[0]["data"]["payload"]  # kept as its escape, readable


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("JobId", "MessageBody.JobId"),
        ("MediaId", "MessageBody.MediaId"),
        ("ErrorMessage", "MessageBody.ErrorMessage"),
    ],
)
def test_a_lone_surrogate_in_an_events_field_is_malformed_not_retried(hostile_world, field, where):
    event = callback(
        "MediaConvertComplete", f"job-{uuid.uuid4().hex}", LADDER, status="Fail", error=("E", "x")
    )
    event["MessageBody"][field] = "bad\udfff"
    summary = hostile_world.send(json.dumps(event).encode())

    [result] = summary["results"]
    assert (result["status"], result["reason"]) == ("dead_letter", "malformed_event")
    assert where in result["detail"]
    assert lines(hostile_world, "alerts") == []
    [dead] = lines(hostile_world, "dead-letters")
    assert json.loads(original_payload(dead))["MessageBody"][field] == "bad\udfff"  # replayable as it came
    assert hostile_world.emulator.calls == []


def test_deep_nesting_with_rawpath_goes_to_the_dead_letter_sink_through_the_fc_entry_point(function_env):
    deep = b'{"rawPath": "/x", "requestContext": {}, "a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    context = SimpleNamespace(request_id="req-deep", credentials=None, function=SimpleNamespace(timeout=30))

    summary = json.loads(fc.handler(deep, context))

    assert [r["status"] for r in summary["results"]] == ["dead_letter"]
    assert (function_env / "dead-letters.jsonl").read_bytes().count(b"\n") == 1


def test_a_media_id_longer_than_ice_accepts_is_malformed_and_ice_is_never_called(world):
    event = callback("MediaConvertComplete", "job-long-id", "m" * 10_000)
    summary = world.send(json.dumps(event).encode())

    [result] = summary["results"]
    assert result["status"] == "dead_letter"
    assert "MessageBody.MediaId is 10000 characters long" in result["detail"]
    assert world.emulator.calls == []


@pytest.mark.parametrize("job_id", [12345, 1.5, True, ["j"], {"id": "j"}], ids=repr)
def test_a_non_text_job_id_is_malformed(world, job_id):
    event = callback("MediaConvertComplete", "placeholder", LADDER)
    event["MessageBody"]["JobId"] = job_id
    [result] = world.send(event)["results"]

    assert result["status"] == "dead_letter"
    assert "MessageBody.JobId is a" in result["detail"]
    assert world.messages("playback") == []


def test_ids_containing_colons_do_not_collide_in_the_idempotency_store(hostile_world):
    x = uuid.uuid4().hex  # the Redis server is shared by the session
    first = callback("MediaConvertComplete", f"{x}:y", LADDER)
    second = callback("MediaConvertComplete", x, f"y:{LADDER}")
    hostile_world.emulator.add_media(f"y:{LADDER}", *_ladder(hostile_world))

    results = [hostile_world.send(json.dumps(e).encode())["results"][0] for e in (first, second)]

    assert [r["status"] for r in results] == ["published", "published"]
    assert results[0]["key"] != results[1]["key"]
    assert {m["data"]["job_id"] for m in lines(hostile_world, "playback")} == {f"{x}:y", x}


def _ladder(world) -> tuple[dict, dict]:
    from playgate.testing import sample_catalog_path

    folder = sample_catalog_path()
    media = json.loads((folder / f"{LADDER}.media.json").read_text())
    play = json.loads((folder / f"{LADDER}.play.json").read_text())
    return media, play


def test_when_the_full_dead_letter_cannot_be_made_a_minimal_record_is_kept(world, monkeypatch):
    def broken(*args, **kwargs):
        raise UnicodeEncodeError("utf-8", "\udfff", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(playgate.publish.publisher, "make_dead_letter", broken)
    summary = world.send(
        [mns_cloudevent("not json", "d-min"), callback("MediaConvertComplete", "job-after", LADDER)]
    )

    assert [r["status"] for r in summary["results"]] == ["dead_letter", "published"]
    [dead] = world.messages("dead-letters")
    assert dead["data"]["reason"] == "malformed_event"
    assert dead["data"]["delivery_id"] == "evt-d-min"
    assert dead["data"]["error"]["code"] == "dead_letter_fallback"
