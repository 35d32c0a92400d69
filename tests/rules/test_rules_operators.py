"""Every operator holds and fails where a media engineer expects, on crafted and reference snapshots."""

from __future__ import annotations

import pytest
from rules_helpers import crafted, outcome

SNAP = crafted()


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"check": "media.status", "eq": "Normal"}, "pass"),
        ({"check": "media.status", "eq": "Preparing"}, "fail"),
        ({"check": "media.status", "eq": "normal", "ignore_case": True}, "pass"),
        ({"check": "media.status", "ne": "PrepareFail"}, "pass"),
        ({"check": "media.status", "ne": "Normal"}, "fail"),
        ({"check": "video[*].fps", "lt": 30}, "pass"),
        ({"check": "video[*].fps", "lt": 25}, "fail"),
        ({"check": "video[*].fps", "le": 25}, "pass"),
        ({"check": "video[*].fps", "le": 24.9}, "fail"),
        ({"check": "video[*].height", "gt": 1079}, "pass"),
        ({"check": "video[*].height", "gt": 1080}, "fail"),
        ({"check": "video[*].height", "ge": 1080}, "pass"),
        ({"check": "video[*].height", "ge": 1081}, "fail"),
        ({"check": "audio[*].sample_rate", "between": [44100, 48000]}, "pass"),
        ({"check": "audio[*].sample_rate", "between": [8000, 44100]}, "fail"),
        ({"check": "video[*].codec_name", "in": ["h264", "hevc"]}, "pass"),
        ({"check": "video[*].codec_name", "in": ["hevc", "av1"]}, "fail"),
        ({"check": "video[*].codec_name", "not_in": ["mpeg2video"]}, "pass"),
        ({"check": "video[*].codec_name", "not_in": ["h264"]}, "fail"),
        ({"check": "media.category", "exists": True}, "pass"),
        ({"check": "media.title", "exists": True}, "fail"),
        ({"check": "media.title", "missing": True}, "pass"),
        ({"check": "media.category", "missing": True}, "fail"),
        ({"check": "definitions", "contains": "HD"}, "pass"),
        ({"check": "definitions", "contains": ["SD", "HD", "FHD"]}, "pass"),
        ({"check": "definitions", "contains": ["HD", "4K"]}, "fail"),
        ({"check": "media.tags", "contains": "live"}, "pass"),
        ({"check": "rendition[*].play_url", "contains": "cdn.example.com"}, "pass"),
        ({"check": "rendition[*].play_url", "starts_with": "https://"}, "pass"),
        ({"check": "rendition[*].play_url", "starts_with": ["http://", "rtmp://"]}, "fail"),
        ({"check": "rendition[*].play_url", "ends_with": ".m3u8"}, "pass"),
        ({"check": "rendition[*].play_url", "ends_with": ".mp4"}, "fail"),
        ({"check": "rendition[*].definition", "matches": "^(SD|HD|FHD)$"}, "pass"),
        ({"check": "rendition[*].definition", "matches": "^HD$"}, "fail"),
        ({"check": "definitions", "in": ["LD", "SD", "HD", "FHD"]}, "pass"),
        ({"check": "definitions", "in": ["SD", "HD"]}, "fail"),
        ({"check": "definitions", "not_in": ["4K"]}, "pass"),
        ({"check": "definitions", "eq": ["FHD", "HD", "SD"]}, "pass"),
        ({"check": "is_audio_only", "eq": False}, "pass"),
    ],
)
def test_operator_holds_or_fails_on_crafted_media(rule, expected):
    assert outcome(rule, SNAP) == expected


@pytest.mark.parametrize(
    ("check", "within", "expected"),
    [
        ("rendition[*].duration_s", "1% of media.duration_s", "pass"),
        ("rendition[*].duration_s", "0.5 s of media.duration_s", "pass"),
        ("rendition[*].duration_s", "500 ms of 60.4", "pass"),
        ("rendition[*].duration_s", "100ms of 60.4", "fail"),
        ("rendition[*].duration_s", "0.5 of 61", "fail"),
        ("rendition[*].duration_s", {"of": "media.duration_s", "tolerance": "0%"}, "pass"),
        ("rendition[*].duration_s", {"of": 66, "tolerance": "10%"}, "pass"),
        ("rendition[*].duration_s", {"of": 66, "tolerance": "5%"}, "fail"),
        ("video[*].fps", "0.01 of [24, 25, 30]", "pass"),
        ("video[*].fps", {"tolerance": 0.01, "of": [23.976, 29.97]}, "fail"),
    ],
)
def test_within_takes_absolute_and_relative_tolerances_against_numbers_and_paths(check, within, expected):
    assert outcome({"check": check, "within": within}, SNAP) == expected


def test_within_fails_when_a_rendition_is_truncated_and_names_it(ref_full):
    from rules_helpers import findings

    found = findings({"check": "rendition[*].duration_s", "within": "1% of media.duration_s"}, ref_full)
    assert [(f.outcome, f.subject, f.actual) for f in found] == [("fail", "rendition[0] HD mp4", 9.0464)]
    assert "media.duration_s (216.207)" in found[0].expected
    assert "9.0464" in found[0].message


def test_comparison_against_another_field_of_the_same_item_compares_item_by_item():
    snap = crafted()
    snap.renditions[1].width = 100  # narrower than tall
    rule = {"check": "rendition[*].width", "gt": {"ref": "rendition[*].height"}}
    from rules_helpers import findings

    failed = [f.subject for f in findings(rule, snap) if f.outcome == "fail"]
    assert failed == ["rendition[1] HD m3u8"]


def test_comparison_against_a_media_value_uses_that_value():
    assert outcome({"check": "rendition[*].duration_s", "le": {"ref": "media.duration_s"}}, SNAP) == "pass"
    assert outcome({"check": "max_rendition_height", "le": {"ref": "source_file.duration_s"}}, SNAP) == "fail"


def test_a_missing_value_never_satisfies_a_value_operator():
    from playgate.ice.model import VideoStream

    snap = crafted(video=[VideoStream(index=0)])
    for rule in (
        {"check": "video[*].fps", "le": 60},
        {"check": "video[*].codec_name", "ne": "mjpeg"},
        {"check": "video[*].codec_name", "not_in": ["mjpeg"]},
    ):
        assert outcome(rule, snap) == "fail", rule
    assert outcome({"check": "video[*].fps", "missing": True}, snap) == "pass"


def test_sub_keys_of_user_data_and_stream_tags_are_checkable(ref_full):
    assert (
        outcome({"check": "rendition[*].stream_tags", "contains": "ims.audioServiceType"}, ref_full) == "pass"
    )
    snap = crafted(info={"user_data": {"tier": "gold", "n": 3}})
    assert outcome({"check": "media.user_data.tier", "eq": "gold"}, snap) == "pass"
    assert outcome({"check": "media.user_data.n", "ge": 3}, snap) == "pass"
    assert (
        outcome({"check": "event.user_data.qc", "eq": "strict"}, snap, user_data={"qc": "strict"}) == "pass"
    )
    assert (
        outcome({"check": "event.type", "starts_with": "Transcode"}, snap, event_type="TranscodeComplete")
        == "pass"
    )


def test_indexed_paths_check_one_item():
    assert outcome({"check": "rendition[2].definition", "eq": "FHD"}, SNAP) == "pass"
    assert outcome({"check": "rendition[9].definition", "exists": True}, SNAP) == "fail"


def test_time_fields_compare_with_iso_times(ref_full):
    assert outcome({"check": "media.create_time", "ge": "2020-01-01T00:00:00Z"}, ref_full) == "pass"
    assert outcome({"check": "media.create_time", "lt": "2020-12-01T00:00:00+08:00"}, ref_full) == "fail"
