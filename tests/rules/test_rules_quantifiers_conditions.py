"""Quantifiers over streams/renditions, not-applicable, require/min_items, where filters, when conditions."""

from __future__ import annotations

import pytest
from rules_helpers import crafted, findings, outcome, rendition

SNAP = crafted()


@pytest.mark.parametrize(
    ("quantifier", "expected"),
    [
        ("all", "fail"),  # 540 < 720
        ("any", "pass"),
        ("none", "fail"),
        ("at_least 2", "pass"),
        ("at_least 3", "fail"),
        ("at least 2", "pass"),
        ({"at_least": 2}, "pass"),
        ("at_most 1", "fail"),
        ("at_most 2", "pass"),
        ("exactly 2", "pass"),
        ("exactly 1", "fail"),
    ],
)
def test_quantifiers_count_the_renditions_that_hold(quantifier, expected):
    assert outcome({"check": "rendition[*].height", "ge": 720, "quantifier": quantifier}, SNAP) == expected


def test_none_passes_when_no_item_holds_and_names_each_offender():
    assert outcome({"check": "video[*].codec_name", "quantifier": "none", "eq": "mjpeg"}, SNAP) == "pass"
    found = findings({"check": "rendition[*].height", "quantifier": "none", "ge": 720}, SNAP)
    assert [(f.subject, f.outcome) for f in found] == [
        ("rendition[1] HD m3u8", "fail"),
        ("rendition[2] FHD m3u8", "fail"),
    ]
    assert found[0].expected == "not ≥ 720"


def test_all_reports_every_failing_item_with_its_actual_value():
    found = findings({"check": "rendition[*].height", "ge": 1080}, SNAP)
    assert [(f.subject, f.actual) for f in found] == [
        ("rendition[0] SD m3u8", 540),
        ("rendition[1] HD m3u8", 720),
    ]
    assert found[0].message.startswith("rendition[0] SD m3u8: height is 540, expected ≥ 1080")


def test_a_rule_over_zero_items_is_not_applicable_unless_it_requires_items():
    empty = crafted(renditions=[])
    rule = {"check": "rendition[*].play_url", "exists": True}
    assert outcome(rule, empty) == "not_applicable"
    assert outcome({**rule, "require": True}, empty) == "fail"
    assert outcome({**rule, "min_items": 4}, SNAP) == "fail"
    assert outcome({**rule, "min_items": 3}, SNAP) == "pass"
    message = findings({**rule, "require": True}, empty)[0].message
    assert "0 renditions" in message and "at least 1 required" in message


def test_where_limits_the_items_a_rule_looks_at():
    snap = crafted(
        renditions=[
            rendition(0, "SD", 540, 1500, status="Invisible", play_url=None),
            rendition(1, "HD", 720, 3000),
        ]
    )
    rule = {"check": "rendition[*].play_url", "exists": True}
    assert outcome(rule, snap) == "fail"
    assert outcome({**rule, "where": {"status": "Normal"}}, snap) == "pass"
    assert outcome({**rule, "where": {"status": {"ne": "Normal"}}}, snap) == "fail"
    assert (
        outcome({**rule, "where": {"any_of": [{"definition": "HD"}, {"height": {"gt": 2000}}]}}, snap)
        == "pass"
    )
    assert outcome({**rule, "where": {"not": {"definition": "HD"}}}, snap) == "fail"
    assert outcome({**rule, "where": {"definition": "4K"}}, snap) == "not_applicable"
    assert outcome({**rule, "where": {"definition": "4K"}, "require": True}, snap) == "fail"


def test_when_makes_a_rule_not_applicable_and_says_why():
    rule = {"check": "video_stream_count", "ge": 1, "when": {"media.type": "video"}}
    assert outcome(rule, SNAP) == "pass"
    audio = crafted(video=[], info={"media_type": "audio"})
    found = findings(rule, audio)
    assert found[0].outcome == "not_applicable"
    assert "media.type = video does not hold" in found[0].message


@pytest.mark.parametrize(
    ("when", "applies"),
    [
        ({"media.type": "video"}, True),
        ({"media.type": ["audio", "video"]}, True),
        ({"media.type": "video", "rendition_count": {"ge": 4}}, False),
        ({"all_of": [{"media.type": "video"}, {"rendition_count": 3}]}, True),
        ({"any_of": [{"media.type": "audio"}, {"rendition_count": 3}]}, True),
        ({"any_of": [{"media.type": "audio"}, {"rendition_count": 9}]}, False),
        ({"not": {"media.type": "audio"}}, True),
        ([{"media.type": "video"}, {"is_audio_only": False}], True),
        ({"video[*].avg_fps": {"within": "0.01 of 29.97", "quantifier": "any"}}, False),
        ({"video[*].avg_fps": {"within": "0.01 of 25"}}, True),
        ({"rendition[*].height": {"ge": 1080, "quantifier": "any"}}, True),
        ({"rendition[*].height": {"ge": 1080}}, False),
        ({"event.type": "TranscodeComplete"}, True),
    ],
)
def test_conditions_and_groups(when, applies):
    rule = {"check": "media.status", "eq": "Normal", "when": when}
    expected = "pass" if applies else "not_applicable"
    assert outcome(rule, SNAP, event_type="TranscodeComplete") == expected


def test_ntsc_rule_applies_only_to_ntsc_sources():
    from playgate.ice.model import VideoStream

    ntsc = crafted(video=[VideoStream(index=0, codec_name="h264", avg_fps=30000 / 1001, fps=30000 / 1001)])
    rule = {
        "check": "rendition[*].fps",
        "within": "0.01 of 29.97",
        "when": {"video[*].avg_fps": {"within": "0.01 of 29.97", "quantifier": "any"}},
    }
    assert outcome(rule, SNAP) == "not_applicable"
    assert outcome(rule, ntsc) == "fail"  # renditions are 25 fps


def test_severity_decides_the_gate():
    for severity, item, whole in (
        ("error", "fail", "fail"),
        ("warning", "warn", "warn"),
        ("info", "warn", "pass"),
    ):
        from rules_helpers import book_with

        report = book_with({"id": "r", "check": "media.status", "eq": "Init", "severity": severity}).evaluate(
            SNAP, profile="t"
        )
        assert (report.findings[0].outcome, report.outcome) == (item, whole)
        assert len(report.failures) == (severity == "error")
        assert len(report.warnings) == (severity == "warning")
        assert len(report.notes) == (severity == "info")
