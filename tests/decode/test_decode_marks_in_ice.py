"""Issue 22, ice://marks: real ffmpeg finds the black start and the truncated end of real media served on
127.0.0.1, the gate alerts, and each time-coded finding becomes a media mark in the emulator (over HTTP)
at its times, with the rule id and the message; gated again, the media gets no mark twice."""

from __future__ import annotations

import json

import pytest
from test_decode_in_the_gate import add_media

from playgate.testing.sample_events import callback

ICE = "ice://block,ice://tag,ice://marks"


@pytest.fixture
def world(make_world, tmp_path):
    return make_world(
        probe="decode",
        probe_allow_hosts="127.0.0.1",
        alert_sink=f"jsonl://{tmp_path / 'alerts.jsonl'},{ICE}",
        playback_sink=f"jsonl://{tmp_path / 'playback.jsonl'},{ICE}",
    )


def test_a_black_interval_becomes_a_mark_at_its_times_and_the_media_is_blocked(world, signed_server, media):
    add_media(world, signed_server, media, "media-mark-black", low="clean", high="black_start")
    world.send(json.dumps(callback("TranscodeComplete", "job-mark-1", "media-mark-black")))
    (alert,) = world.messages("alerts")
    [black] = [f for f in alert["data"]["findings"] if f["rule"] == "video-black"]

    marks = world.emulator.marks("media-mark-black")
    assert [
        (m["MarkTag"], m["MarkStartTime"], m["MarkEndTime"], m["MarkContent"], m["MarkStatus"]) for m in marks
    ] == [
        ("video-black", i["start_s"], i["end_s"], black["message"], black["outcome"]) for i in black["actual"]
    ]
    assert all(m["MarkId"].startswith("mark-") for m in marks)
    assert world.emulator.audit("media-mark-black")["Reason"] == "video-black"
    assert "qc-fail" in world.emulator.tags("media-mark-black")


def test_a_decode_error_is_marked_over_its_window(world, signed_server, media):
    add_media(world, signed_server, media, "media-mark-cut", low="clean", high="truncated")
    world.send(json.dumps(callback("TranscodeComplete", "job-mark-2", "media-mark-cut")))
    (alert,) = world.messages("alerts")
    [clean] = [f for f in alert["data"]["findings"] if f["rule"] == "decode-clean" and f["outcome"] == "fail"]
    window = clean["subject"].split("(window ")[1].removesuffix(" s)").split("–")

    [mark] = [m for m in world.emulator.marks("media-mark-cut") if m["MarkTag"] == "decode-clean"]
    assert (mark["MarkStartTime"], mark["MarkEndTime"]) == (float(window[0]), float(window[1]))
    assert mark["MarkContent"] == clean["message"]


def test_gated_again_the_media_gets_no_mark_twice(world, signed_server, media):
    add_media(world, signed_server, media, "media-mark-again", low="clean", high="black_start")
    world.send(json.dumps(callback("TranscodeComplete", "job-mark-3a", "media-mark-again")))
    first = world.emulator.marks("media-mark-again")
    assert first

    world.send(json.dumps(callback("TranscodeComplete", "job-mark-3b", "media-mark-again")))  # another job
    assert len(world.messages("alerts")) == 2
    assert world.emulator.marks("media-mark-again") == first
    assert len(world.emulator.calls_to("AddMediaMarks")) == 1
    assert len(world.emulator.calls_to("ListMediaMarks")) == 2


def test_a_clean_media_is_not_marked(world, signed_server, media):
    add_media(world, signed_server, media, "media-mark-clean", low="clean", high="clean")
    world.send(json.dumps(callback("TranscodeComplete", "job-mark-4", "media-mark-clean")))
    assert world.messages("playback")
    assert world.emulator.marks("media-mark-clean") == []
    assert world.emulator.calls_to("AddMediaMarks") == []
