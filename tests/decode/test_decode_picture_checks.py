"""The picture checks (combing, bars, blockiness, blur): what they report, where, and what the rule file
changes. The corpus (test_defect_corpus.py) shows each catching its defect and nothing else."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from defects import clip
from defects_picture import DEFECTS

from playgate.decode.engine import Target, decode_target
from playgate.decode.ffmpeg import Tools
from playgate.decode.picture import measure_bars
from playgate.decode.spec import DecodeSpec, Window
from playgate.rules import compile_text
from playgate.rules.report import Finding

BUILD = {d.name: d.build for d in DEFECTS}
# Progressive until 3 s, then the same pan woven into interlaced frames (combed) to the end at 6 s.
COMBED_FROM_3S = (
    "scroll=h=0.008,split[p][i];[i]interlace=scan=tff[w];[p]fps=25[q];[q][w]overlay=enable='gte(t,3)'"
)
RULES = """
version: 1
profiles:
  picture:
    decode:
      checks:
        video-letterbox: {enabled: true}
        video-blur: {enabled: true, severity: error}
  lenient:
    extends: picture
    decode:
      checks:
        video-letterbox: {enabled: true, max_share: 0.3}
        video-blur: {enabled: true, max_score: 14}
        video-interlaced: {comb_ratio: 20}
"""


@pytest.fixture(scope="session")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("picture")


def only(findings: list[Finding], rule: str) -> Finding:
    (found,) = [f for f in findings if f.rule == rule]
    return found


def decode(tools: Tools, path: Path, spec: DecodeSpec) -> list[Finding]:
    return decode_target(Target(str(path), "clip"), spec, tools, timeout_s=120)


def profile(name: str) -> DecodeSpec:
    spec = compile_text(RULES).profiles[name].decode
    assert spec is not None
    return spec


@pytest.mark.parametrize(
    ("name", "bars", "active"),
    [
        ("letterbox", {"top": 60, "bottom": 60, "left": 0, "right": 0}, "640x360"),
        ("pillarbox", {"top": 0, "bottom": 0, "left": 80, "right": 80}, "480x360"),
    ],
)
def test_bars_are_reported_per_side_with_their_share(tools, folder, name, bars, active):
    found = only(decode(tools, BUILD[name](folder), profile("picture")), "video-letterbox")
    assert (found.outcome, found.severity) == ("warn", "warning")
    assert {side: found.actual[side] for side in bars} == bars
    assert (found.actual["share"], found.actual["active"]) == (0.25, active)
    assert "black bars take 25% of the picture" in found.message


def test_combing_is_placed_in_media_time_with_its_field_order(tools, folder):
    path = clip(folder, "combed-from-3s", video=COMBED_FROM_3S, rate=50)
    spec = DecodeSpec(windows=[Window(start=1, seconds=5)])  # on by default; media time, not window time
    found = only(decode(tools, path, spec), "video-interlaced")
    assert found.outcome == "fail"
    (combed,) = found.actual
    sample = 1 / spec.checks.video_interlaced.sample_fps
    assert combed["start_s"] == pytest.approx(3.0, abs=sample + 0.01)
    assert combed["end_s"] == pytest.approx(6.0, abs=0.01)
    assert combed["field_order"] == "top field first"


def test_rule_file_settings_change_the_verdicts(tools, folder):
    strict, lenient = profile("picture"), profile("lenient")
    letterbox = BUILD["letterbox"](folder)
    assert only(decode(tools, letterbox, lenient), "video-letterbox").outcome == "pass"  # 25% ≤ 30%
    blurred = BUILD["blurred"](folder)
    assert only(decode(tools, blurred, strict), "video-blur").outcome == "fail"  # severity: error
    assert only(decode(tools, blurred, lenient), "video-blur").outcome == "pass"
    interlaced = BUILD["interlaced"](folder)
    assert only(decode(tools, interlaced, strict), "video-interlaced").outcome == "fail"
    assert only(decode(tools, interlaced, lenient), "video-interlaced").outcome == "pass"


def test_blurred_intervals_carry_their_mean_score(tools, folder):
    found = only(decode(tools, BUILD["scaled"](folder), profile("picture")), "video-blur")
    (blurred,) = found.actual
    assert (blurred["start_s"], blurred["end_s"]) == (0.0, pytest.approx(6.0, abs=0.01))
    assert blurred["score"] > profile("picture").checks.video_blur.max_score


def test_a_test_pattern_idet_calls_interlaced_is_not_combed(tools, media):
    """testsrc2 drawn at 320x240: ffmpeg's idet alone calls most of its frames interlaced."""
    ran = subprocess.run(
        [tools.ffmpeg, "-hide_banner", "-nostats", "-i", str(media["clean"]), "-map", "0:v", "-vf", "idet",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    (multi,) = [line for line in ran.stderr.splitlines() if "Multi frame detection" in line]
    words = multi.split()
    tff, bff, progressive = (int(words[words.index(k) + 1]) for k in ("TFF:", "BFF:", "Progressive:"))
    assert tff + bff > progressive
    assert only(decode(tools, media["clean"], DecodeSpec()), "video-interlaced").outcome == "pass"


def test_bars_measured_from_cropdetect_are_clamped_to_the_picture():
    assert measure_bars((0, 639, 60, 419), 640, 480) == {
        "top": 60, "bottom": 60, "left": 0, "right": 0, "share": 0.25, "active": "640x360",
    }  # fmt: skip
    assert measure_bars((-5, 9999, 0, 359), 640, 360)["share"] == 0.0


@pytest.mark.parametrize(("crop", "width"), [(None, 640), ((639, 0, 359, 0), 640), ((0, 639, 0, 359), None)])
def test_no_bars_are_measured_without_a_picture(crop, width):
    """cropdetect on a window that is black throughout leaves its box inside out."""
    assert measure_bars(crop, width, 360) is None
