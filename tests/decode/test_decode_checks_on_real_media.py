"""Each decode check fails on the media that has its fault, with the times, and passes on the clean one."""

from __future__ import annotations

from pathlib import Path

import pytest

from playgate.decode.checks import Declared
from playgate.decode.engine import Target, decode_target
from playgate.decode.ffmpeg import Tools
from playgate.decode.spec import DecodeSpec, Window
from playgate.rules.report import Finding, Report


def decode(tools: Tools, path: Path, spec: DecodeSpec | None = None, **kw) -> list[Finding]:
    target = Target(str(path), "file", kw.pop("declared", Declared()))
    return decode_target(target, spec or DecodeSpec(), tools, timeout_s=60, **kw)


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def test_the_clean_reference_passes_every_check(tools, media):
    findings = decode(tools, media["clean"])
    assert sorted({f.rule for f in findings}) == [
        "audio-loudness", "audio-silence", "decode-clean", "video-black", "video-frozen",
        "video-hdr-signalling", "video-interlaced",
    ]  # fmt: skip
    assert [f for f in findings if f.outcome != "pass"] == []
    clean = by_rule(findings, "decode-clean")[0]
    assert (clean.actual["width"], clean.actual["height"], clean.actual["channels"]) == (320, 240, [2])
    assert clean.actual["fps"] == pytest.approx(25, abs=0.5)
    assert Report.from_findings("default", None, findings).outcome == "pass"


def test_black_first_seconds_fail_with_their_times(tools, media):
    (black,) = by_rule(decode(tools, media["black_start"]), "video-black")
    assert black.outcome == "fail" and black.severity == "error"
    three = pytest.approx(3.0, abs=0.1)
    assert black.actual == [{"start_s": 0.0, "end_s": three, "duration_s": three}]
    assert "0–3 s" in black.message
    (frozen,) = by_rule(decode(tools, media["black_start"]), "video-frozen")
    assert frozen.outcome == "pass"  # black is also still: reported once, as black


def test_black_edges_are_to_within_one_sample_by_default_and_to_the_frame_on_request(tools, media):
    every_frame = DecodeSpec.model_validate({"checks": {"video-black": {"sample_fps": None}}})
    for spec, slack in ((None, 1 / 5), (every_frame, 1 / 25)):
        (black,) = by_rule(decode(tools, media["black_middle"], spec), "video-black")
        (interval,) = black.actual
        assert interval["start_s"] == pytest.approx(3.0, abs=slack + 1e-3)
        assert interval["end_s"] == pytest.approx(6.0, abs=slack + 1e-3)


def test_cover_art_is_not_video_the_sound_is_checked(tools, media):
    findings = decode(tools, media["cover_art"])
    assert sorted({f.rule for f in findings}) == ["audio-loudness", "audio-silence", "decode-clean"]
    (clean,) = by_rule(findings, "decode-clean")
    assert clean.outcome == "pass" and clean.actual["channels"] == [2] and clean.actual["width"] is None


def test_audio_tracks_beyond_the_eighth_are_named_as_not_checked(tools, media):
    findings = decode(tools, media["nine_tracks"], DecodeSpec(windows=[Window(start=0, seconds=2)]))
    assert len(by_rule(findings, "audio-silence")) == 8
    (clean,) = by_rule(findings, "decode-clean")
    assert clean.outcome == "pass" and clean.actual["unchecked_audio_tracks"] == 1
    assert "the last 1 of 9 audio tracks were not decoded" in clean.message


def test_a_window_reports_media_times_not_window_times(tools, media):
    spec = DecodeSpec(windows=[Window(start=2, seconds=6)])
    (black,) = by_rule(decode(tools, media["black_middle"], spec), "video-black")
    assert black.outcome == "fail"
    (interval,) = black.actual
    assert interval["start_s"] == pytest.approx(3.0, abs=0.1)
    assert interval["end_s"] == pytest.approx(6.0, abs=0.1)
    assert "window 2–8 s" in black.subject


def test_a_still_picture_is_frozen_but_not_black(tools, media):
    findings = decode(tools, media["still"])
    (frozen,) = by_rule(findings, "video-frozen")
    assert frozen.outcome == "fail"
    assert frozen.actual[0]["start_s"] == pytest.approx(0.0, abs=0.1)
    assert frozen.actual[0]["end_s"] == pytest.approx(8.0, abs=0.2)
    assert by_rule(findings, "video-black")[0].outcome == "pass"


def test_a_silent_track_fails_on_its_own_track_only(tools, media):
    silence = by_rule(decode(tools, media["silent_track"]), "audio-silence")
    assert [(f.subject.endswith("audio track 0"), f.outcome) for f in silence] == [
        (True, "pass"),
        (False, "fail"),
    ]
    assert silence[1].subject.endswith("audio track 1")
    assert silence[1].actual[0]["start_s"] == 0.0
    assert silence[1].actual[0]["end_s"] == pytest.approx(8.0, abs=0.2)


def test_a_truncated_file_does_not_decode_clean(tools, media):
    findings = decode(tools, media["truncated"])
    (clean,) = by_rule(findings, "decode-clean")
    assert clean.outcome == "fail"
    assert clean.actual["errors"] > 0 or "truncated" in clean.message
    assert clean.actual["decoded_s"] < 7


def test_decoded_size_rate_and_channels_must_agree_with_what_was_declared(tools, media):
    declared = Declared(width=1280, height=720, fps=30, channels=6)
    (clean,) = by_rule(decode(tools, media["clean"], declared=declared), "decode-clean")
    assert clean.outcome == "fail"
    for part in ("decoded 320x240, declared 1280x720", "declared 30", "2 channels decoded, 6 declared"):
        assert part in clean.message
    agreeing = Declared(width=320, height=240, fps=25, channels=2)
    (clean,) = by_rule(decode(tools, media["clean"], declared=agreeing), "decode-clean")
    assert clean.outcome == "pass"


def test_loudness_is_recorded_and_judged_only_against_a_target(tools, media):
    (quiet,) = by_rule(decode(tools, media["quiet"]), "audio-loudness")
    assert quiet.outcome == "pass" and quiet.severity == "info"
    assert quiet.actual < -35
    demand = {"audio-loudness": {"target_lufs": -23, "severity": "error"}}
    spec = DecodeSpec.model_validate({"checks": demand})
    (quiet,) = by_rule(decode(tools, media["quiet"], spec), "audio-loudness")
    assert quiet.outcome == "fail" and "-23 LUFS ± 2 LU" in quiet.expected
    (loud_enough,) = by_rule(decode(tools, media["clean"], spec), "audio-loudness")
    assert loud_enough.outcome == "pass" and -25 <= loud_enough.actual <= -21


def test_an_unreadable_file_is_a_finding_not_an_exception(tools, tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a movie" * 100)
    (finding,) = decode(tools, junk)
    assert (finding.rule, finding.outcome) == ("decode-clean", "fail")
    assert "cannot be read" in finding.message
