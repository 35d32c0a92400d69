"""video-matches-source: renditions of a near-lossless master compared with it (PSNR, SSIM), locally, over
HTTP through the guard, from the CLI (--source) and in the gate (GetMediaInfo's source_file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from decode_helpers import AUTH_KEY
from decode_media import SignedMediaServer
from defects_source import RENDITIONS, rendition, source

from playgate.decode.engine import Target, decode_target
from playgate.decode.spec import DecodeSpec
from playgate.probe.fetch import Fetcher
from playgate.testing.sample_events import callback

RULE = "video-matches-source"
SRC = Path(__file__).resolve().parents[2] / "src"
ON = {RULE: {"enabled": True}}
FAIR = ("fair", "fair-starved")
DEFECTS = [name for name in RENDITIONS if name not in FAIR]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("against-source")


def made(clips: Path, name: str) -> Path:
    _how, chain, encode = RENDITIONS[name]
    return rendition(clips, name, chain, encode)


def compared(tools, path: Path, against: str, spec: DecodeSpec | None = None, guard=None):
    spec = spec or DecodeSpec.model_validate({"checks": ON})
    target = Target(str(path), "clip", compare_with=against)
    findings = decode_target(target, spec, tools, timeout_s=120, guard=guard)
    return [f for f in findings if f.rule == RULE]


@pytest.mark.parametrize("name", FAIR)
def test_a_fair_encode_of_the_source_passes(tools, clips, name):
    (finding,) = compared(tools, made(clips, name), str(source(clips)))
    assert finding.outcome == "pass", finding.message
    assert finding.actual["psnr_db"]["average"] >= 33 and finding.actual["ssim"]["average"] >= 0.93
    assert finding.actual["frames"] == 150  # 6 s at 25 fps, every picture compared


@pytest.mark.parametrize("name", DEFECTS)
def test_a_bad_encode_fails_by_measurement(tools, clips, name):
    (finding,) = compared(tools, made(clips, name), str(source(clips)))
    assert finding.outcome == "fail", (RENDITIONS[name][0], finding.message)
    psnr, ssim = finding.actual["psnr_db"], finding.actual["ssim"]
    assert psnr["average"] < 33 or ssim["average"] < 0.93
    assert psnr["worst"] <= psnr["average"] and ssim["worst"] <= ssim["average"]
    assert "expected average PSNR ≥ 33 dB and average SSIM ≥ 0.93" in finding.message


def test_the_worst_pictures_are_placed_in_media_time(tools, clips):
    """A box burned in between 3.0 and 3.6 s: the worst pictures are there, with the window's start added."""
    chain = "scale=640:360,drawbox=x=100:y=60:w=300:h=200:color=red:t=fill:enable='between(t,3,3.6)'"
    path = rendition(clips, "boxed", chain)
    spec = DecodeSpec.model_validate({"windows": [{"start": 2, "seconds": 3}], "checks": ON})
    (finding,) = compared(tools, path, str(source(clips)), spec)
    worst = finding.actual["worst_frames"]
    assert len(worst) == 3 and all(3.0 <= w["at_s"] <= 3.6 for w in worst), worst
    assert finding.actual["frames"] == 75 and finding.subject.endswith("(window 2–5 s)")


def test_thresholds_come_from_the_rule_file(tools, clips):
    spec = DecodeSpec.model_validate({"checks": {RULE: {"enabled": True, "min_psnr_db": 45}}})
    (finding,) = compared(tools, made(clips, "fair"), str(source(clips)), spec)
    assert finding.outcome == "fail" and "PSNR ≥ 45 dB" in finding.expected


def test_without_a_source_nothing_is_compared_and_it_says_so(tools, clips):
    (finding,) = compared(tools, made(clips, "fair"), "")
    assert finding.outcome == "pass" and "not compared: no source is known" in finding.message


def test_a_source_that_cannot_be_read_is_a_warning_naming_why(tools, clips):
    broken = clips / "broken-source.mp4"
    broken.write_bytes(b"not a movie" * 100)
    (finding,) = compared(tools, made(clips, "fair"), str(broken))
    assert (finding.severity, finding.outcome) == ("warning", "warn")
    assert f"could not be compared with {broken}" in finding.message


def test_it_is_off_by_default(tools, clips):
    assert compared(tools, made(clips, "fair"), str(source(clips)), DecodeSpec()) == []


def test_a_signed_source_is_read_through_the_guard_without_its_key_in_the_finding(tools, clips):
    made(clips, "cropped")
    with (
        SignedMediaServer(clips, AUTH_KEY) as server,
        Fetcher(allow_hosts=["127.0.0.1"]) as fetcher,
    ):
        from playgate.decode.guard import GuardProxy

        with GuardProxy(fetcher) as guard:
            found = compared(tools, clips / "cropped.mp4", server.url("source.mp4"), guard=guard)
        assert any(r.startswith("/source.mp4?") for r in server.requests)  # through the guard, signed
    (finding,) = found
    assert finding.outcome == "fail" and finding.actual["source"].endswith("/source.mp4")
    assert AUTH_KEY not in json.dumps(finding.actual) + finding.message


def probe(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", "probe", *argv],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip


def test_probe_source_compares_a_local_rendition_and_fails_a_crop(clips):
    done = probe(str(made(clips, "cropped")), "--decode", "--source", str(source(clips)), "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    (finding,) = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == RULE]
    assert finding["outcome"] == "fail" and finding["actual"]["psnr_db"]["average"] < 33


def test_probe_source_passes_a_fair_rendition(clips):
    done = probe(str(made(clips, "fair")), "--decode", "--source", str(source(clips)), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [f["outcome"] for f in json.loads(done.stdout)["findings"] if f["rule"] == RULE] == ["pass"]


def test_probe_source_needs_decode_and_an_existing_file(clips):
    fair = str(made(clips, "fair"))
    without = probe("http://127.0.0.1:9/a.m3u8", "--source", fair)
    assert (
        without.returncode == 2 and "--source compares decoded windows with a source file" in without.stderr
    )
    missing = probe(fair, "--decode", "--source", str(clips / "nowhere.mp4"))
    assert missing.returncode == 2 and "does not exist or is not a file" in missing.stderr


def test_the_gate_compares_each_rendition_with_the_media_source_file(make_world, clips, tmp_path):
    """GetMediaInfo's source_file, signed on 127.0.0.1, read through the guard; the cropped rung alerts."""
    made(clips, "fair"), made(clips, "cropped")
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "version: 1\nprofiles:\n  default:\n    extends: builtin:default\n    probe: decode\n"
        f"    decode:\n      windows: [{{seconds: 4}}]\n      checks:\n        {RULE}: {{enabled: true}}\n"
    )
    world = make_world(probe=None, rules=str(rules), probe_allow_hosts="127.0.0.1")
    with SignedMediaServer(clips, AUTH_KEY) as server:
        world.emulator.add_media("media-src", _media_info(server.url("source.mp4")), _play(server, clips))
        world.send(json.dumps(callback("TranscodeComplete", "job-src", "media-src")))
    (alert,) = world.messages("alerts")
    failed = [
        (f["rule"], f["subject"].split(" http")[0])
        for f in alert["data"]["findings"]
        if f["outcome"] == "fail"
    ]
    assert failed == [(RULE, "rendition[0] HD mp4")]  # the fair rung does not fail
    (finding,) = [f for f in alert["data"]["findings"] if f["rule"] == RULE]
    assert finding["actual"]["source"].endswith("/source.mp4") and finding["actual"]["frames"] == 100
    assert AUTH_KEY not in json.dumps(alert["data"]["findings"])


def _media_info(source_url: str) -> dict:
    basic = {"MediaId": "media-src", "Status": "Normal", "MediaType": "video", "Title": "against the source"}
    info = {"FileName": "source.mp4", "FileType": "source_file", "FileUrl": source_url, "Duration": "6.0",
            "Width": "960", "Height": "540", "FormatName": "mov,mp4,m4a,3gp,3g2,mj2"}  # fmt: skip
    video = {
        "Index": "0",
        "CodecName": "h264",
        "Width": "960",
        "Height": "540",
        "Fps": "25",
        "Duration": "6.0",
    }
    audio = {"Index": "1", "CodecName": "aac", "Channels": "2", "SampleRate": "48000", "Duration": "6.0"}
    files = [{"FileBasicInfo": info, "VideoStreamInfoList": [video], "AudioStreamInfoList": [audio]}]
    return {"MediaInfo": {"MediaId": "media-src", "MediaBasicInfo": basic, "FileInfoList": files}}


def _play(server: SignedMediaServer, clips: Path) -> dict:
    def rung(name: str, definition: str) -> dict:
        size = (clips / f"{name}.mp4").stat().st_size
        return {
            "Status": "Normal", "Width": 640, "Height": 360, "Fps": "25", "Duration": "6.0",
            "Bitrate": str(size * 8 // 6000), "Size": size, "Definition": definition, "Format": "mp4",
            "StreamType": "video", "PlayURL": server.url(f"{name}.mp4"), "Encrypt": 0,
        }  # fmt: skip

    rungs = [rung("cropped", "HD"), rung("fair", "LD")]
    return {
        "RequestId": "src",
        "MediaBase": {"MediaId": "media-src", "Status": "Normal"},
        "PlayInfoList": rungs,
    }
