"""Thresholds, durations, severities and windows come from the rule file's ``decode:`` block."""

from __future__ import annotations

import pytest

from playgate.decode.engine import Target, decode_target
from playgate.decode.spec import DecodeSpec, Window
from playgate.rules import compile_text
from playgate.rules.book import RuleFileInvalid

RULES = """
version: 1
profiles:
  default:
    extends: builtin:default
  lenient:
    decode:
      checks:
        video-black: {min_duration_s: 4}
        video-frozen: {severity: warning}
        audio-silence: {enabled: false}
  broadcast:
    extends: lenient
  middle:
    decode:
      windows: [{start: 0, seconds: 2}, {start: "50%", seconds: 3}]
"""


def decode(tools, path, profile: str):
    spec = compile_text(RULES).profiles[profile].decode
    return decode_target(Target(str(path), "file"), spec, tools, timeout_s=60)


def outcome(findings, rule):
    return [f.outcome for f in findings if f.rule == rule]


def test_a_longer_minimum_lets_a_short_black_pass(tools, media):
    assert outcome(decode(tools, media["black_start"], "lenient"), "video-black") == ["pass"]


def test_severity_warning_warns_instead_of_failing_and_is_inherited(tools, media):
    findings = decode(tools, media["still"], "broadcast")
    (frozen,) = [f for f in findings if f.rule == "video-frozen"]
    assert (frozen.severity, frozen.outcome) == ("warning", "warn")


def test_a_disabled_check_reports_nothing(tools, media):
    assert outcome(decode(tools, media["silent_track"], "lenient"), "audio-silence") == []


def test_extra_windows_are_decoded_where_the_rule_file_puts_them(tools, media):
    findings = decode(tools, media["black_middle"], "middle")
    black = [f for f in findings if f.rule == "video-black"]
    assert [f.subject.rsplit("(", 1)[1] for f in black] == ["window 0–2 s)", "window 4.5–7.5 s)"]
    assert [f.outcome for f in black] == ["pass", "pass"]  # 1.5 s of black in the middle window: < 2 s


def test_a_profile_without_decode_settings_has_none():
    assert compile_text(RULES).profiles["default"].decode is None


@pytest.mark.parametrize(
    ("block", "where"),
    [
        ("checks: {video-blak: {}}", "decode.checks.video-blak"),
        ("windows: [{start: 'middle'}]", "decode.windows.0.start"),
        ("checks: {audio-loudness: {target_lufs: 5}}", "decode.checks.audio-loudness.target_lufs"),
        ("renditions: some", "decode.renditions"),
    ],
)
def test_bad_decode_settings_are_named_with_their_place(block, where):
    text = f"version: 1\nprofiles:\n  default:\n    decode:\n      {block}\n"
    with pytest.raises(RuleFileInvalid) as caught:
        compile_text(text, "rules.yml")
    assert where in caught.value.message


def test_a_window_past_the_end_is_moved_back_to_end_with_the_media(tools, media):
    spec = DecodeSpec(windows=[Window(start=100, seconds=4)])
    findings = decode_target(Target(str(media["clean"]), "file"), spec, tools, timeout_s=60)
    (clean,) = [f for f in findings if f.rule == "decode-clean"]
    assert "window 4–8 s" in clean.subject and clean.outcome == "pass"
