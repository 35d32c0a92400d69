"""decode-clean measures the frame rate on the video's own time, not on ffmpeg's output time (which runs
as long as the longest stream): audio that starts late or ends late is no false failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from decode_media import audio_offset_clip

SRC = Path(__file__).resolve().parents[2] / "src"


def probe_decode(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "playgate.cli", "probe", str(path), "--decode", "--format", "json"],
        capture_output=True, text=True, timeout=180, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def rule(report: dict, name: str) -> dict:
    (finding,) = [f for f in report["findings"] if f["rule"] == name]
    return finding


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("frame-rate")


@pytest.mark.parametrize(
    ("audio_from_s", "audio_to_s"),
    [(1, 9), (0, 10), (0, 6)],
    ids=["audio-starts-1s-late", "audio-ends-2s-after-the-video", "audio-ends-2s-before-the-video"],
)
def test_a_25_fps_file_decodes_at_25_fps_however_long_its_audio_runs(folder, audio_from_s, audio_to_s):
    clean = rule(probe_decode(audio_offset_clip(folder, 8, audio_from_s, audio_to_s)), "decode-clean")
    assert clean["outcome"] == "pass", clean["message"]
    assert clean["actual"]["fps"] == pytest.approx(25, abs=0.01)


def test_a_picture_frozen_to_its_end_is_frozen_until_the_video_ends_not_the_audio(folder):
    path = audio_offset_clip(folder, 8, 0, 10, still_s=3)
    frozen = rule(probe_decode(path), "video-frozen")
    (interval,) = frozen["actual"]
    assert interval["start_s"] == pytest.approx(5, abs=0.1)
    assert interval["end_s"] == pytest.approx(8, abs=0.05)
