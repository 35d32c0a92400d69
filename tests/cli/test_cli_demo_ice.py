"""Issue 22 in the demo: its broken media ends up Blocked and tagged, a media black for its first seconds
is decoded with real ffmpeg and marked, and the demo shows both, worked out from the messages it wrote."""

from __future__ import annotations

import json

from cli_helpers import playgate


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_demo_blocks_its_broken_media_marks_a_black_interval_and_shows_both(tmp_path):
    out = tmp_path / "demo"
    done = playgate("demo", "--out", str(out), env={"COLUMNS": "80"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    shown = " ".join(done.stdout.split("In ICE (the emulator)", 1)[1].split())

    failed = [a["data"] for a in _lines(out / "alerts.jsonl") if a["data"]["reason"] == "qc_failed"]
    broken = [data for data in failed if data["media_id"] == "media-broken-rendition"][-1]  # the last block
    rules = ",".join(dict.fromkeys(f["rule"] for f in broken["findings"] if f["outcome"] == "fail"))
    assert f"media-broken-rendition: Blocked (Reason: {rules}); tags: playgate, sample, qc-fail" in shown

    [black] = _lines(out / "decoded-alerts.jsonl")
    [finding] = [f for f in black["data"]["findings"] if f["rule"] == "video-black"]
    [interval] = finding["actual"]
    assert "media-black-start: Blocked (Reason: video-black)" in shown
    assert f"mark {interval['start_s']:g}–{interval['end_s']:g} s video-black: " in shown
