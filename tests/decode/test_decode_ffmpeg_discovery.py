"""Which ffmpeg runs: PLAYGATE_FFMPEG, else /opt/bin/ffmpeg (FC's layer), else PATH; a clear error else."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from playgate.decode.ffmpeg import FfmpegMissing, find_tools


@pytest.fixture(autouse=True)
def _fresh_lookup():
    find_tools.cache_clear()
    yield
    find_tools.cache_clear()


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_without_a_setting_ffmpeg_on_path_is_found_with_its_ffprobe():
    tools = find_tools(None)
    assert Path(tools.ffmpeg).name == "ffmpeg" and Path(tools.ffprobe).name == "ffprobe"
    assert tools.version.startswith("ffmpeg version")


def test_the_setting_names_the_binary_and_ffprobe_is_taken_from_beside_it(tmp_path):
    real_ffmpeg, real_ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    ffmpeg = script(tmp_path, "ffmpeg", f'exec {real_ffmpeg} "$@"')
    ffprobe = script(tmp_path, "ffprobe", f'exec {real_ffprobe} "$@"')
    tools = find_tools(str(ffmpeg))
    assert (tools.ffmpeg, tools.ffprobe) == (str(ffmpeg), str(ffprobe))


def test_a_missing_binary_fails_clearly_naming_the_setting(tmp_path):
    with pytest.raises(FfmpegMissing) as caught:
        find_tools(str(tmp_path / "no-ffmpeg-here"))
    message = caught.value.message
    assert "no-ffmpeg-here" in message and "PLAYGATE_FFMPEG" in message and "/opt/bin/ffmpeg" in message
    assert caught.value.reason == "ffmpeg_missing" and not caught.value.retryable


def test_a_binary_that_does_not_run_fails_clearly(tmp_path):
    broken = script(tmp_path, "ffmpeg", "echo 'cannot open shared object libavcodec' >&2; exit 127")
    with pytest.raises(FfmpegMissing) as caught:
        find_tools(str(broken))
    assert "exits with 127" in caught.value.message and "libavcodec" in caught.value.message


def test_no_ffmpeg_anywhere_fails_clearly(monkeypatch, tmp_path):
    if os.access("/opt/bin/ffmpeg", os.X_OK):  # FC's layer is installed here: it would be found first
        pytest.fail("this machine has /opt/bin/ffmpeg; the test needs a machine without FC's layer")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FfmpegMissing) as caught:
        find_tools(None)
    assert "the default: /opt/bin/ffmpeg, else ffmpeg on PATH" in caught.value.message


def test_ffprobe_runs_only_to_place_a_window_in_a_media_of_unknown_duration(tmp_path, media, monkeypatch):
    """The default window (from 0 s) is one ffmpeg run; a window at 50 % needs the duration first."""
    from playgate.decode.engine import Target, decode_target
    from playgate.decode.spec import DecodeSpec, Window

    calls = tmp_path / "ffprobe-calls"
    real_ffmpeg, real_ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    ffmpeg = script(tmp_path, "ffmpeg", f'exec {real_ffmpeg} "$@"')
    script(tmp_path, "ffprobe", f'echo "$@" >> {calls}\nexec {real_ffprobe} "$@"')
    tools = find_tools(str(ffmpeg))
    calls.unlink()  # find_tools checked that ffprobe runs

    findings = decode_target(Target(str(media["clean"]), "file"), DecodeSpec(), tools, timeout_s=60)
    assert [f.outcome for f in findings if f.rule == "decode-clean"] == ["pass"]
    assert not calls.exists()

    middle = DecodeSpec(windows=[Window(start="50%", seconds=2)])
    findings = decode_target(Target(str(media["clean"]), "file"), middle, tools, timeout_s=60)
    assert [f.subject.rsplit("(", 1)[1] for f in findings if f.rule == "decode-clean"] == ["window 4–6 s)"]
    assert str(media["clean"]) in calls.read_text()
