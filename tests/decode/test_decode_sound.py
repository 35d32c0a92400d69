"""The sound checks on real clips: loudness presets from a rule file, intervals in media time, windows
that start later, a mono programme, and a phase-inverted pair."""

from __future__ import annotations

from pathlib import Path

import pytest
from defects import clip, reference
from defects_sound import CLICK

from playgate.decode.engine import Target, decode_target
from playgate.decode.spec import DecodeSpec, Window
from playgate.rules import compile_text
from playgate.rules.book import RuleFileInvalid

RULES = """
version: 1
profiles:
  broadcast:
    decode:
      checks:
        audio-loudness: {preset: ebu-r128, severity: error}
  us:
    decode:
      checks:
        audio-loudness: {preset: atsc-a85, tolerance_lu: 3}
  music:
    decode:
      checks:
        audio-loudness: {preset: streaming-16, severity: error}
"""
EVERY_SOUND_CHECK = {"audio-true-peak": {"enabled": True}}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sound")


def decode(tools, path: Path, spec: DecodeSpec) -> dict[str, list]:
    findings = decode_target(Target(str(path), "clip"), spec, tools, timeout_s=120)
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    return by_rule


def spec(windows: list[Window] | None = None, **checks: dict) -> DecodeSpec:
    return DecodeSpec.model_validate(
        {"checks": {**EVERY_SOUND_CHECK, **checks}, "windows": windows or [Window()]}
    )


def test_a_preset_fills_the_target_tolerance_and_peak_and_a_written_value_wins():
    profiles = compile_text(RULES).profiles
    broadcast = profiles["broadcast"].decode.checks.audio_loudness
    assert (broadcast.target_lufs, broadcast.tolerance_lu, broadcast.max_true_peak_dbtp) == (-23, 1, -1)
    us = profiles["us"].decode.checks.audio_loudness
    assert (us.target_lufs, us.tolerance_lu, us.max_true_peak_dbtp) == (-24, 3, -2)


def test_an_unknown_preset_is_named_with_its_place():
    text = "version: 1\nprofiles:\n  p:\n    decode:\n      checks:\n        audio-loudness: {preset: r128}\n"
    with pytest.raises(RuleFileInvalid) as caught:
        compile_text(text, "rules.yml")
    assert "decode.checks.audio-loudness.preset" in caught.value.message


def test_the_reference_meets_r128_and_fails_a_streaming_target_with_its_range_reported(tools, folder):
    profiles = compile_text(RULES).profiles
    (r128,) = decode(tools, reference(folder), profiles["broadcast"].decode)["audio-loudness"]
    assert r128.outcome == "pass"
    assert set(r128.actual) == {"integrated_lufs", "range_lu", "true_peak_dbtp"}
    assert r128.actual["range_lu"] is not None and 0 <= r128.actual["range_lu"] < 3
    assert r128.actual["true_peak_dbtp"] < -1
    (music,) = decode(tools, reference(folder), profiles["music"].decode)["audio-loudness"]
    assert music.outcome == "fail"
    assert music.expected == "-16 LUFS ± 1 LU, true peak ≤ -1 dBTP (streaming-16)"


def test_a_preset_fails_on_its_true_peak_ceiling_alone(tools, folder):
    click = clip(folder, "click", audio=CLICK)
    (r128,) = decode(tools, click, compile_text(RULES).profiles["broadcast"].decode)["audio-loudness"]
    assert r128.outcome == "fail" and abs(r128.actual["integrated_lufs"] + 23) < 1
    assert r128.actual["true_peak_dbtp"] > -1 and "true peak" in r128.message


def test_true_peak_and_clipping_are_placed_in_media_time_in_a_later_window(tools, folder):
    click = clip(folder, "click", audio=CLICK)  # the burst is at 3.000–3.002 s
    (peak,) = decode(tools, click, spec([Window(start=1.5, seconds=3)]))["audio-true-peak"]
    (interval,) = peak.actual
    assert peak.outcome == "fail" and interval["start_s"] <= 3.0 < 3.002 <= interval["end_s"]
    assert interval["duration_s"] <= 0.2 + 1e-3 and interval["peak_dbtp"] > -1
    hot = clip(folder, "hot-middle", audio="volume='if(between(t,2,3),4,1)':eval=frame,asoftclip=type=hard")
    (clipping,) = decode(tools, hot, spec([Window(start=1, seconds=4)]))["audio-clipping"]
    assert clipping.outcome == "warn" and clipping.actual
    assert all(i["start_s"] >= 1.9 and i["end_s"] <= 3.1 for i in clipping.actual)
    assert clipping.actual[0]["start_s"] < 2.3  # where the programme is loud enough to reach full scale


def test_a_mute_stretch_is_reported_where_it_is_and_which_channel(tools, folder):
    gap = clip(folder, "left-gap", audio="aeval='val(ch)*(1-eq(ch\\,0)*between(t\\,2\\,5))':c=same")
    (mute,) = decode(tools, gap, spec([Window(start=1, seconds=5)]))["audio-channel-mute"]
    (interval,) = mute.actual
    assert mute.outcome == "fail" and interval["channel"] == 1
    assert interval["start_s"] == pytest.approx(2, abs=0.11) and interval["end_s"] == pytest.approx(
        5, abs=0.11
    )


@pytest.mark.parametrize(
    ("name", "audio", "encode"),
    [
        ("left-copied-right", "pan=stereo|c0=c0|c1=c0", None),
        ("one-channel", "pan=mono|c0=c0", ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"]),
    ],
)
def test_a_mono_programme_passes_the_channel_checks(tools, folder, name, audio, encode):
    found = decode(tools, clip(folder, name, audio=audio, encode=encode), spec())
    for rule in ("audio-channel-mute", "audio-phase-inverted", "audio-clipping", "audio-sync"):
        assert [f.outcome for f in found[rule]] == ["pass"], found[rule][0].message


def test_a_phase_inverted_pair_is_reported_with_its_correlation(tools, folder):
    inverted = clip(folder, "inverted", audio="pan=stereo|c0=c0|c1=-1*c1")
    (phase,) = decode(tools, inverted, spec())["audio-phase-inverted"]
    (interval,) = phase.actual
    assert phase.outcome == "warn" and interval["correlation"] < -0.2
    assert interval["start_s"] == 0 and interval["end_s"] == pytest.approx(6, abs=0.11)


def test_a_late_start_is_judged_where_the_window_sees_it(tools, folder):
    late = clip(folder, "late", audio="asetpts=PTS+1/TB")
    (sync,) = decode(tools, late, spec())["audio-sync"]
    (interval,) = sync.actual
    assert sync.outcome == "fail" and interval["starts_late"] == "audio"
    assert (interval["start_s"], interval["end_s"]) == (0, pytest.approx(1, abs=0.03))
    (later,) = decode(tools, late, spec([Window(start=2, seconds=3)]))["audio-sync"]
    assert later.outcome == "pass"  # both streams run through a window that starts after the gap


def test_an_early_end_is_judged_by_a_window_that_reaches_the_end(tools, folder):
    early = clip(folder, "early", audio="atrim=end=4")
    (sync,) = decode(tools, early, spec([Window(start="100%", seconds=3)]))["audio-sync"]
    (interval,) = sync.actual
    assert sync.outcome == "fail" and interval["ends_early"] == "audio"
    assert interval["start_s"] == pytest.approx(4, abs=0.11) and interval["end_s"] == pytest.approx(
        6, abs=0.05
    )
    (middle,) = decode(tools, early, spec([Window(start=0, seconds=3)]))["audio-sync"]
    assert middle.outcome == "pass"  # the window ends before the sound does
