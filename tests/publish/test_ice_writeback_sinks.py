"""ice://block, ice://tag, ice://marks: what their URLs accept, what they would write for a verdict, and
that they talk to ICE through playgate's signed client (the emulator over HTTP)."""

from __future__ import annotations

import pytest
from publish_helpers import alert_event, make_settings

from playgate.errors import ConfigError, IceUnavailable
from playgate.publish.ice import TagSink, block_texts, verdict
from playgate.publish.marks import marks_for, missing
from playgate.publish.sinks import open_sink
from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET


@pytest.fixture
def settings(emulator_server):
    return make_settings(
        ice_endpoint=emulator_server.url,
        region="cn-shanghai",
        access_key_id=TEST_ACCESS_KEY_ID,
        access_key_secret=TEST_ACCESS_KEY_SECRET,
    )


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ice://hide", "unknown ICE write-back 'hide'"),
        ("ice://block?prefix=x", "unknown option 'prefix'"),
        ("ice://tag?prefix=", "prefix=''"),
        ("ice://tag?prefix=a,b", "without commas"),
        ("ice://tag?prefix=" + "p" * 24, "1 to 23 bytes"),
    ],
)
def test_a_wrong_ice_sink_url_is_a_configuration_error_naming_it(settings, url, said):
    with pytest.raises(ConfigError, match=said) as info:
        open_sink(url, settings)
    assert "ice://" in info.value.message


def test_without_a_region_or_endpoint_an_ice_sink_does_not_open():
    with pytest.raises(ConfigError, match="PLAYGATE_REGION"):
        open_sink("ice://block", make_settings())


def test_the_tag_prefix_names_the_sink_and_every_tag_it_owns(settings):
    sink = open_sink("ice://tag?prefix=media-qc-", settings)
    assert isinstance(sink, TagSink) and sink.url == "ice://tag?prefix=media-qc-"
    assert sink.tags_for("warn", "premium") == ["media-qc-warn", "media-qc-profile-premium"]
    assert sink.is_ours("media-qc-fail") and not sink.is_ours("qc-fail") and not sink.is_ours("media-qc-x")
    assert open_sink("ice://tag", settings).url == "ice://tag"
    long = sink.tags_for("pass", "a-profile-name-far-longer-than-any-tag-may-be")[1]
    assert len(long.encode()) == 32 and long.startswith("media-qc-profile-a-profile")


def test_only_qc_failed_alerts_and_passes_are_verdicts():
    alert = alert_event()
    assert verdict(alert) == "fail"
    alert["data"]["reason"] = "media_not_found"
    assert verdict(alert) is None
    passed = {"type": "playgate.qc.passed", "data": {"qc": {"outcome": "warn"}}}
    assert verdict(passed) == "warn"
    assert verdict({"type": "playgate.dead_letter", "data": {}}) is None


def test_the_block_reason_and_comment_fit_ices_limits_on_one_line():
    event = alert_event(failing=40)
    event["data"]["findings"][0]["message"] = "first\nfailure " + "é" * 600
    texts = block_texts(event)
    assert len(texts["Reason"].encode()) <= 128 and texts["Reason"].startswith("rule-0000,rule-0001,")
    assert texts["Reason"].endswith("…")
    assert len(texts["Comment"].encode()) <= 512 and "\n" not in texts["Comment"]
    assert texts["Comment"].startswith("playgate qc_failed, profile hls-ladder: first failure é")


def test_only_time_coded_findings_become_marks_and_a_mark_already_there_is_not_wanted_again():
    event = alert_event(failing=1)
    intervals = [
        {"start_s": 0.0, "end_s": 3.04, "duration_s": 3.04},
        {"start_s": 10, "end_s": 12, "duration_s": 2},
    ]
    event["data"]["findings"] += [
        {"rule": "video-black", "outcome": "fail", "subject": "s", "actual": intervals, "message": "black"},
        {"rule": "audio-loudness", "outcome": "warn", "actual": -31.2, "message": "quiet",
         "subject": "rendition[0] HD mp4 (window 20–40 s) audio track 0"},
        {"rule": "audio-loudness", "outcome": "pass", "actual": -23, "message": "ok",
         "subject": "x (window 0–20 s)"},
    ]  # fmt: skip
    marks = marks_for(event)
    assert [(m["MarkTag"], m["MarkStartTime"], m["MarkEndTime"], m["MarkStatus"]) for m in marks] == [
        ("video-black", 0.0, 3.04, "fail"),
        ("video-black", 10.0, 12.0, "fail"),
        ("audio-loudness", 20.0, 40.0, "warn"),
    ]
    there = [{**marks[0], "MarkId": "mark-1", "MarkStartTime": "0", "MarkEndTime": "3.040"}]
    assert missing(marks, there) == marks[1:]


def test_ice_sinks_write_through_the_signed_client_and_retry_a_throttle(settings, emulator_server):
    emulator_server.emulator.inject("throttling", next_n=1, actions=["UpdateMediaInfo"])
    sink = open_sink("ice://tag", settings)
    sink.send({**alert_event(), "subject": "media-ladder-ok", "data": {**alert_event()["data"],
               "media_id": "media-ladder-ok"}}, timeout_s=5.0)  # fmt: skip
    assert emulator_server.emulator.tags("media-ladder-ok") == [
        "playgate", "sample", "qc-fail", "qc-profile-hls-ladder",
    ]  # fmt: skip
    assert len(emulator_server.emulator.calls_to("UpdateMediaInfo")) == 2


def test_marks_ice_cannot_read_are_not_added_blindly(settings, emulator_server, monkeypatch):
    from playgate.testing import emulator

    monkeypatch.setattr(
        emulator.IceEmulator, "_ListMediaMarks", lambda self, params: {"MediaMarks": "[{not json"}
    )
    sink = open_sink("ice://marks", settings)
    event = alert_event()
    event["data"]["media_id"] = "media-ladder-ok"
    event["data"]["findings"] = [
        {"rule": "video-black", "outcome": "fail", "subject": "s", "message": "black",
         "actual": [{"start_s": 0.0, "end_s": 3.0, "duration_s": 3.0}]},
    ]  # fmt: skip
    with pytest.raises(IceUnavailable, match="not a JSON array"):
        sink.send(event, timeout_s=5.0)
    assert emulator_server.emulator.calls_to("AddMediaMarks") == []
