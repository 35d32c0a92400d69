"""The shipped profiles on the reference responses and on crafted ladders."""

from __future__ import annotations

from rules_helpers import crafted, rendition

from playgate.ice.model import AudioStream, VideoStream
from playgate.rules import load_rules

BOOK = load_rules(None)


def outcomes(report):
    return {f.rule: f.outcome for f in report.findings}


def test_reference_get_media_info_and_play_info_fail_on_the_truncated_rendition(ref_full):
    report = BOOK.evaluate(ref_full)
    assert report.profile == "default" and report.outcome == "fail"
    assert [f.rule for f in report.failures] == ["rendition-duration-matches-source"]
    assert [f.rule for f in report.warnings] == ["av-durations-agree"]  # audio 16.2 s vs video 216.2 s
    assert outcomes(report)["playable-rendition"] == "pass"
    assert outcomes(report)["media-status-normal"] == "pass"


def test_media_without_renditions_passes_default_with_rendition_rules_not_applicable(ref_media_only):
    report = BOOK.evaluate(ref_media_only)
    assert report.outcome == "warn"  # only the a/v duration warning
    got = outcomes(report)
    assert got["playable-rendition"] == got["rendition-duration-matches-source"] == "not_applicable"
    assert got["renditions-produced"] == "not_applicable"


def test_a_transcode_event_without_renditions_fails(ref_media_only):
    report = BOOK.evaluate(ref_media_only, event_type="TranscodeComplete")
    assert [f.rule for f in report.failures] == ["renditions-produced"]


def test_list_media_info_job_passes_default_with_an_info_note_for_the_unreadable_bitrate(ref_job):
    report = BOOK.evaluate(ref_job)
    assert report.outcome == "pass"
    got = outcomes(report)
    assert got["media-has-streams"] == "pass"
    assert got["media-status-normal"] == "not_applicable"  # a job carries no media status
    assert [f.rule for f in report.notes] == ["values-readable"]
    assert "Bitrate" in report.notes[0].message


def test_healthy_crafted_media_passes_default_and_hls_ladder():
    snap = crafted()
    assert BOOK.evaluate(snap).outcome == "pass"
    report = BOOK.evaluate(snap, profile="hls-ladder")
    assert report.outcome == "pass", [f.message for f in report.failures + report.warnings]


def test_default_catches_bad_status_no_normal_rendition_and_implausible_streams():
    snap = crafted(
        info={"status": "PrepareFail"},
        renditions=[rendition(0, "HD", 720, 3000, status="Invisible")],
        video=[VideoStream(index=0, codec_name="unknown", width=0, height=8, fps=500.0, duration_s=60.0)],
        audio=[AudioStream(index=1, codec_name="aac", channels=0, sample_rate=1000, duration_s=60.0)],
    )
    failed = {f.rule for f in BOOK.evaluate(snap).failures}
    assert failed == {
        "media-status-normal",
        "playable-rendition",
        "video-codec-known",
        "video-width-plausible",
        "video-height-plausible",
        "video-frame-rate-plausible",
        "audio-channels-plausible",
        "audio-sample-rate-plausible",
    }


def test_audio_only_media_gets_audio_checks_instead_of_video_checks():
    snap = crafted(video=[], info={"media_type": "audio"}, renditions=[])
    got = outcomes(BOOK.evaluate(snap))
    assert got["video-media-has-video-stream"] == "not_applicable"
    assert got["audio-media-has-audio-stream"] == "pass"
    assert got["video-codec-known"] == "not_applicable"
    assert got["audio-channels-plausible"] == "pass"
    silent = crafted(video=[], audio=[], info={"media_type": "audio"}, renditions=[])
    assert "audio-media-has-audio-stream" in {f.rule for f in BOOK.evaluate(silent).failures}


def test_video_media_without_video_stream_fails():
    snap = crafted(video=[], renditions=[])
    assert {f.rule for f in BOOK.evaluate(snap).failures} == {"video-media-has-video-stream"}


def test_hls_ladder_flags_codec_frame_rate_hdr_definitions_and_inversions():
    snap = crafted(
        video=[
            VideoStream(
                index=0, codec_name="vp9", width=1920, height=1080, fps=120.0, avg_fps=120.0, duration_s=60.0
            )
        ],
        renditions=[
            rendition(0, "LD", 360, 800, hdr_type="HDR"),
            rendition(1, "HD", 1080, 2000),
            rendition(2, "FHD", 720, 4000, hdr_type="HLG"),
        ],
    )
    report = BOOK.evaluate(snap, profile="hls-ladder")
    failed = {f.rule for f in report.failures}
    assert {
        "hls-video-codec",
        "hls-frame-rate-max",
        "hls-hdr-format",
        "hls-required-definitions",
        "hls-heights-increase-with-bitrate",
    } <= failed
    inversion = next(f for f in report.failures if f.rule == "hls-heights-increase-with-bitrate")
    assert inversion.actual == ["m3u8: 720p at 4000 kbps is above 1080p at 2000 kbps"]
    hdr = [f for f in report.failures if f.rule == "hls-hdr-format"]
    assert [f.subject for f in hdr] == ["rendition[0] LD m3u8"]  # HLG is allowed
    assert {f.rule for f in report.warnings} >= {"hls-frame-rate-standard"}


def test_every_hls_rule_cites_its_source():
    hls = [r for r in BOOK.profiles["hls-ladder"].rules if r.id.startswith("hls-")]
    assert len(hls) >= 8
    assert all(r.source and "HLS Authoring Specification" in r.source for r in hls)


def test_ntsc_frame_rate_counts_as_standard():
    snap = crafted(
        video=[
            VideoStream(
                index=0,
                codec_name="hevc",
                width=1920,
                height=1080,
                fps=30000 / 1001,
                avg_fps=30000 / 1001,
                duration_s=60.0,
            )
        ]
    )
    got = outcomes(BOOK.evaluate(snap, profile="hls-ladder"))
    assert got["hls-frame-rate-standard"] == "pass"
