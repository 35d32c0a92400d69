"""video-hdr-signalling on real x265 clips: the transfer the stream signals against the HDR type declared
for it (GetPlayInfo's HDRType, an HLS master's VIDEO-RANGE), and HDR10's metadata in mp4 and in TS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from decode_media import SignedMediaServer
from defects import ffmpeg, reference
from defects_source import hdr10, hdr10_bare, hdr10_in_boxes, hdr10_in_ts

from playgate.decode.checks import Declared
from playgate.decode.engine import Target, decode_target
from playgate.decode.run import decode_sources
from playgate.decode.spec import DecodeSpec, Window
from playgate.testing.sample_events import callback

RULE = "video-hdr-signalling"
KEY = "hdr-test-auth-key-5150"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hdr")


def hdr(tools, path: Path, declared: str | None = None, spec: DecodeSpec | None = None):
    target = Target(str(path), "clip", Declared(hdr_type=declared))
    (finding,) = [
        f for f in decode_target(target, spec or DecodeSpec(), tools, timeout_s=120) if f.rule == RULE
    ]
    return finding


@pytest.mark.parametrize("declared", [None, "HDR10", "HDR", "hdrvivid"])
def test_hdr10_with_its_metadata_passes_as_declared(tools, clips, declared):
    finding = hdr(tools, hdr10(clips), declared)
    assert finding.outcome == "pass", finding.message
    assert finding.actual["dynamic_range"] == "PQ" and finding.actual["primaries"] == "bt2020"
    assert finding.actual["mastering_display"] and finding.actual["content_light_level"]


def test_hdr10_in_ts_has_its_metadata_found_in_the_first_key_frame_after_a_seek(tools, clips):
    """After a seek into a TS the first pictures come before the key frame that carries the SEI."""
    spec = DecodeSpec(windows=[Window(start=2.5, seconds=3)])
    finding = hdr(tools, hdr10_in_ts(clips), "HDR10", spec)
    assert finding.outcome == "pass", finding.message
    assert finding.actual["mastering_display"] and finding.actual["content_light_level"]


def test_hdr10_with_its_metadata_in_mp4_boxes_passes_in_a_window_without_a_key_frame(tools, clips):
    """No SEI in the stream and no key frame in the window (0.5–1.5 s; key frames every 2 s): the mdcv and
    clli boxes of the mp4 sample entry are read from ffmpeg's description of the stream."""
    spec = DecodeSpec(windows=[Window(start=0.5, seconds=1)])
    finding = hdr(tools, hdr10_in_boxes(clips), "HDR10", spec)
    assert finding.outcome == "pass", finding.message
    assert finding.actual["mastering_display"] and finding.actual["content_light_level"]


def test_sei_metadata_in_a_window_without_a_key_frame_is_not_judged_and_says_so(tools, clips):
    spec = DecodeSpec(windows=[Window(start=0.5, seconds=1)])
    finding = hdr(tools, hdr10_bare(clips), "HDR10", spec)
    assert finding.outcome == "pass"
    assert "no key frame in the window: the stream's SEI metadata was not looked at" in finding.message


def test_hdr10_without_its_metadata_fails_naming_both(tools, clips):
    finding = hdr(tools, hdr10_bare(clips), "HDR10")
    assert finding.outcome == "fail"
    assert "no mastering-display and no content light level metadata" in finding.message
    assert (finding.actual["mastering_display"], finding.actual["content_light_level"]) == (False, False)


def test_the_metadata_demand_can_be_turned_off(tools, clips):
    checks = {RULE: {"mastering_display": False, "content_light_level": False}}
    spec = DecodeSpec.model_validate({"checks": checks})
    assert hdr(tools, hdr10_bare(clips), "HDR10", spec).outcome == "pass"


def test_a_pq_stream_ice_calls_sdr_fails(tools, clips):
    finding = hdr(tools, hdr10(clips), "SDR")
    assert finding.outcome == "fail"
    assert "signals PQ (transfer smpte2084, primaries bt2020): declared SDR: SDR expected" in finding.message


@pytest.mark.parametrize("declared", ["HDR10", "HLG", "HDR"])
def test_an_sdr_stream_ice_calls_hdr_fails(tools, clips, declared):
    finding = hdr(tools, reference(clips), declared)
    assert finding.outcome == "fail", finding.message
    assert finding.actual["dynamic_range"] == "SDR" and finding.actual["declared"] == declared


@pytest.mark.parametrize("declared", [None, "SDR", "SDR+", "DolbyVision"])
def test_an_sdr_stream_declared_sdr_or_not_compared_passes(tools, clips, declared):
    assert hdr(tools, reference(clips), declared).outcome == "pass"


def test_an_unknown_hdr_type_is_not_compared_and_says_so(tools, clips):
    finding = hdr(tools, reference(clips), "HDR12")
    assert finding.outcome == "pass" and "HDR type 'HDR12' is unknown: not compared" in finding.message


def test_a_master_declaring_video_range_pq_for_an_sdr_variant_fails(tools, clips):
    folder = clips / "hls"
    folder.mkdir(exist_ok=True)
    subprocess.run(
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(reference(clips)), "-c", "copy",
         "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", str(folder / "v.m3u8")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,VIDEO-RANGE=PQ\nv.m3u8\n"
    (folder / "master.m3u8").write_text(master)
    settings = SimpleNamespace(probe_allow_hosts="127.0.0.1", decode_timeout_s=60)
    spec = DecodeSpec(windows=[Window(seconds=4)])
    with SignedMediaServer(folder, KEY) as server:
        url = server.url("master.m3u8")
        findings = decode_sources([url], spec, tools, settings, deadline=None)
    (finding,) = [f for f in findings if f.rule == RULE]
    assert finding.outcome == "fail" and "declared PQ: PQ expected" in finding.message
    assert KEY not in finding.message


def test_the_gate_compares_with_getplayinfos_hdr_type(make_world, clips):
    """An SDR rung GetPlayInfo calls HDR10 fails video-hdr-signalling; its twin called SDR does not."""
    reference(clips)
    world = make_world(probe="decode", probe_allow_hosts="127.0.0.1")
    with SignedMediaServer(clips, KEY) as server:
        play = {
            "RequestId": "hdr",
            "MediaBase": {"MediaId": "media-hdr", "Status": "Normal", "MediaType": "video"},
            "PlayInfoList": [_rung(server, clips, "HD", "HDR10"), _rung(server, clips, "LD", "SDR")],
        }
        basic = {"MediaId": "media-hdr", "Status": "Normal", "MediaType": "video", "Title": "hdr"}
        media = {"MediaInfo": {"MediaId": "media-hdr", "MediaBasicInfo": basic, "FileInfoList": []}}
        world.emulator.add_media("media-hdr", media, play)
        world.send(json.dumps(callback("TranscodeComplete", "job-hdr", "media-hdr")))
    (alert,) = world.messages("alerts")
    failed = [
        (f["rule"], f["subject"].split(" http")[0])
        for f in alert["data"]["findings"]
        if f["outcome"] == "fail"
    ]
    assert failed == [(RULE, "rendition[0] HD mp4")]
    (finding,) = [f for f in alert["data"]["findings"] if f["rule"] == RULE]
    assert finding["actual"]["declared"] == "HDR10" and finding["actual"]["dynamic_range"] == "SDR"


def _rung(server: SignedMediaServer, clips: Path, definition: str, hdr_type: str) -> dict:
    size = (clips / "reference.mp4").stat().st_size
    return {
        "Status": "Normal", "Width": 640, "Height": 360, "Fps": "25", "Duration": "6.0", "HDRType": hdr_type,
        "Bitrate": str(size * 8 // 6000 + (1 if definition == "HD" else 0)), "Size": size,
        "Definition": definition, "Format": "mp4", "StreamType": "video",
        "PlayURL": server.url("reference.mp4"), "Encrypt": 0,
    }  # fmt: skip
