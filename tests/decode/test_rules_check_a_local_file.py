"""`playgate rules check --file movie.mp4`: ffprobe's description, checked by the same rules (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
RULES = """
version: 1
profiles:
  default:
    extends: builtin:default
    rules:
      - id: full-hd
        check: video[*].height
        ge: 1080
      - id: stereo
        check: audio[*].channels
        eq: 2
      - id: pal-frame-rate
        check: video[*].fps
        eq: 25
"""


def playgate(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", "rules", "check", *argv],
        capture_output=True, text=True, timeout=120, env=environ,
    )  # fmt: skip


def test_a_local_file_is_checked_by_a_rule_file_and_fails_where_it_falls_short(media, tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    done = playgate("--rules", str(rules), "--file", str(media["clean"]), "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    outcomes = {f["rule"]: (f["outcome"], f["actual"]) for f in report["findings"]}
    assert outcomes["full-hd"] == ("fail", 240)
    assert outcomes["stereo"] == ("pass", [2])
    assert outcomes["pal-frame-rate"] == ("pass", [25.0])


def test_the_built_in_default_profile_passes_a_clean_file(media):
    done = playgate("--file", str(media["clean"]), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["outcome"] == "pass"


def test_a_missing_or_unreadable_file_is_bad_input_exit_2(tmp_path):
    done = playgate("--file", str(tmp_path / "missing.mp4"))
    assert done.returncode == 2 and "missing.mp4 does not exist" in done.stderr
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a movie" * 50)
    done = playgate("--file", str(junk))
    assert done.returncode == 2 and "junk.mp4 is not a media file ffprobe can read" in done.stderr


def test_without_ffmpeg_the_message_says_how_to_get_one(media, tmp_path):
    done = playgate("--file", str(media["clean"]), env={"PLAYGATE_FFMPEG": str(tmp_path / "nope")})
    assert done.returncode == 2
    assert "PLAYGATE_FFMPEG" in done.stderr and "nope" in done.stderr
