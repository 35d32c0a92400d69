"""``playgate probe URL --decode`` and ``playgate probe ./movie.mp4 --decode``, run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
KEY = "cli-secret-auth-key-4242"


def probe(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(SRC), **env}
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", "probe", *argv],
        capture_output=True, text=True, timeout=180, env=environ,
    )  # fmt: skip


def test_a_signed_hls_master_is_probed_and_its_lowest_and_highest_variants_decoded(stream_server):
    stream_server.auth_key = KEY
    url = stream_server.url("/hls/master.m3u8", signed=True)
    done = probe(
        url, "--decode", "--seconds", "4", "--format", "json", PLAYGATE_PROBE_ALLOW_HOSTS="127.0.0.1"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    decoded = [f for f in report["findings"] if f["rule"] == "decode-clean"]
    assert sorted(f["subject"].split(" ")[1] for f in decoded) == ["180p", "90p"]
    assert all(f["outcome"] == "pass" and "window 0–4 s" in f["subject"] for f in decoded)
    assert sorted((f["actual"]["width"], f["actual"]["height"]) for f in decoded) == [(160, 90), (320, 180)]
    assert any(f["rule"] == "hls-playlist-valid" for f in report["findings"])  # the manifest probe ran too
    assert KEY not in done.stdout + done.stderr


def test_a_local_file_is_decoded_and_fails_on_its_black_start(media):
    done = probe(str(media["black_start"]), "--decode", "--start", "0", "--seconds", "5", "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    (black,) = [f for f in report["findings"] if f["rule"] == "video-black"]
    assert black["outcome"] == "fail" and black["actual"][0]["start_s"] == 0.0
    assert report["schema"] == "playgate.rules.report/1"


def test_a_clean_local_file_passes(media):
    done = probe(str(media["clean"]), "--decode", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["outcome"] == "pass"


def test_bad_input_exits_2_with_the_reason(media, tmp_path):
    without = probe(str(media["clean"]))
    assert without.returncode == 2 and "with --decode, an existing file" not in without.stderr
    assert "is not an http or https URL" in without.stderr
    window = probe("https://cdn.example.com/a.m3u8", "--seconds", "5")
    assert window.returncode == 2 and "add --decode" in window.stderr
    nothing = probe(str(media["clean"]), "--decode", "--seconds", "0")
    assert nothing.returncode == 2 and "--start/--seconds" in nothing.stderr
    no_ffmpeg = probe(str(media["clean"]), "--decode", PLAYGATE_FFMPEG=str(tmp_path / "ffmpeg"))
    assert no_ffmpeg.returncode == 2 and "PLAYGATE_FFMPEG" in no_ffmpeg.stderr


@pytest.mark.parametrize(
    ("fault", "rule"),
    [("still", "video-frozen"), ("silent_track", "audio-silence"), ("truncated", "decode-clean")],
)
def test_each_fault_fails_its_check_through_the_cli(media, fault, rule):
    done = probe(str(media[fault]), "--decode", "--format", "json")
    assert done.returncode == 1, done.stderr
    failed = {f["rule"] for f in json.loads(done.stdout)["findings"] if f["outcome"] == "fail"}
    assert failed == {rule}
