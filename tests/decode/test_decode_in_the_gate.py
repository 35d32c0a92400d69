"""``probe: decode`` in the gate: an event for a media whose renditions are served on 127.0.0.1 (signed)
ends in ``qc.alert`` when the decoded picture is black, ``playback.ready`` when it is clean; and the
initializer refuses to start when decoding is configured but no ffmpeg runs."""

from __future__ import annotations

import json

import pytest
from decode_helpers import AUTH_KEY

from playgate.decode.ffmpeg import FfmpegMissing, find_tools
from playgate.handler import Runtime
from playgate.testing.sample_events import callback


def media_info(media_id: str) -> dict:
    basic = {"MediaId": media_id, "Status": "Normal", "MediaType": "video", "Title": "decode test"}
    return {"MediaInfo": {"MediaId": media_id, "MediaBasicInfo": basic, "FileInfoList": []}}


def rendition(url: str, definition: str, bitrate_kbps: int, path) -> dict:
    return {
        "Status": "Normal", "Width": 320, "Height": 240, "Fps": "25", "Duration": "8.0",
        "Bitrate": str(bitrate_kbps), "Size": path.stat().st_size, "Definition": definition,
        "Format": "mp4", "StreamType": "video", "PlayURL": url, "Encrypt": 0,
    }  # fmt: skip


def add_media(world, server, media, media_id: str, low: str, high: str) -> None:
    """Two rungs, each a file of the decode media served signed, declared as they are (320x240, 25 fps,
    8 s, their real bit rate); both are decoded (the default: the lowest and the highest rung)."""
    play = {
        "RequestId": "decode-test",
        "MediaBase": {"MediaId": media_id, "Status": "Normal", "MediaType": "video"},
        "PlayInfoList": [
            rendition(server.url(f"{high}.mp4"), "HD", media[high].stat().st_size * 8 // 8000, media[high]),
            rendition(server.url(f"{low}.mp4"), "LD", media[low].stat().st_size * 8 // 8000, media[low]),
        ],
    }  # fmt: skip
    world.emulator.add_media(media_id, media_info(media_id), play)


@pytest.fixture
def decode_world(make_world):
    return make_world(probe="decode", probe_allow_hosts="127.0.0.1", log_level="debug")


FAULTS = {"black_start": "video-black", "still": "video-frozen", "silent_track": "audio-silence",
          "truncated": "decode-clean"}  # fmt: skip


@pytest.mark.parametrize(("fault", "rule"), FAULTS.items())
def test_a_fault_on_the_top_rung_is_an_alert_naming_its_check(
    decode_world, signed_server, media, fault, rule
):
    add_media(decode_world, signed_server, media, f"media-{fault}", low="clean", high=fault)
    decode_world.send(json.dumps(callback("TranscodeComplete", f"job-{fault}", f"media-{fault}")))
    (alert,) = decode_world.messages("alerts")
    assert alert["data"]["reason"] == "qc_failed"
    failed = [
        (f["rule"], f["subject"].split(" http")[0])
        for f in alert["data"]["findings"]
        if f["outcome"] == "fail"
    ]
    assert failed == [(rule, "rendition[0] HD mp4")]
    assert decode_world.messages("playback") == []


def test_a_black_start_on_the_top_rung_is_an_alert_with_the_times_and_no_signature(
    decode_world, signed_server, media, capfd
):
    add_media(decode_world, signed_server, media, "media-black-top", low="clean", high="black_start")
    summary = decode_world.send(json.dumps(callback("TranscodeComplete", "job-d-1", "media-black-top")))
    assert summary["results"][0]["status"] == "published", summary
    (alert,) = decode_world.messages("alerts")
    assert alert["data"]["reason"] == "qc_failed"
    failed = [f for f in alert["data"]["findings"] if f["outcome"] == "fail"]
    assert [f["rule"] for f in failed] == ["video-black"]
    assert failed[0]["subject"].startswith("rendition[0] HD mp4 http://127.0.0.1:")
    assert failed[0]["actual"][0]["start_s"] == 0.0
    out, err = capfd.readouterr()
    windows = [json.loads(line) for line in out.splitlines() if '"decode window"' in line]
    assert sorted(w["subject"].split(" http")[0] for w in windows) == [
        "rendition[0] HD mp4",
        "rendition[1] LD mp4",
    ]
    assert AUTH_KEY not in json.dumps(alert["data"]["findings"]) + alert["data"]["report_markdown"]
    assert AUTH_KEY not in out + err


def test_clean_rungs_publish_playback_ready(decode_world, signed_server, media):
    add_media(decode_world, signed_server, media, "media-clean", low="clean", high="clean")
    decode_world.send(json.dumps(callback("TranscodeComplete", "job-d-2", "media-clean")))
    assert decode_world.messages("alerts") == []
    (ready,) = decode_world.messages("playback")
    assert ready["type"] == "playgate.playback.ready"


def test_the_verdict_line_and_the_ledger_say_how_long_the_probe_and_the_decode_took(
    decode_world, signed_server, media, capfd
):
    add_media(decode_world, signed_server, media, "media-timed", low="clean", high="clean")
    decode_world.send(json.dumps(callback("TranscodeComplete", "job-d-timed", "media-timed")))
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith("{")]
    (verdict,) = [line for line in lines if line.get("event") == "playgate.verdict"]
    (probe_done,) = [line for line in lines if line.get("event") == "probe.done"]
    windows = [line["wall_s"] for line in lines if line.get("event") == "decode window"]
    assert verdict["probe_s"] == pytest.approx(probe_done["elapsed_ms"] / 1000, abs=0.001)
    assert len(windows) == 2 and verdict["decode_s"] >= max(windows) > 0  # two rungs, side by side or not
    (kept,) = decode_world.runtime.gate.ledger.verdict_history("media-timed")
    assert kept.report["timings"] == {"probe_s": verdict["probe_s"], "decode_s": verdict["decode_s"]}


def test_the_initializer_fails_clearly_when_decode_is_configured_and_ffmpeg_does_not_run(
    emulator_server, tmp_path
):
    from gate_world import local_settings

    find_tools.cache_clear()
    settings = local_settings(emulator_server.url, tmp_path, probe="decode", ffmpeg=str(tmp_path / "ffmpeg"))
    with pytest.raises(FfmpegMissing, match="PLAYGATE_FFMPEG"):
        Runtime.build(settings)
    rules = tmp_path / "rules.yml"
    rules.write_text("version: 1\nprofiles:\n  premium:\n    probe: decode\n")
    settings = local_settings(
        emulator_server.url, tmp_path, probe=None, rules=str(rules), ffmpeg=str(tmp_path / "ffmpeg")
    )
    with pytest.raises(FfmpegMissing):
        Runtime.build(settings)
    Runtime.build(local_settings(emulator_server.url, tmp_path, ffmpeg=str(tmp_path / "ffmpeg"))).close()


def test_a_profile_that_demands_loudness_alerts_on_a_quiet_rendition(
    make_world, signed_server, media, tmp_path
):
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "version: 1\nprofiles:\n  default:\n    extends: builtin:default\n    probe: decode\n"
        "    decode:\n      checks:\n        audio-loudness: {target_lufs: -23, severity: error}\n"
    )
    world = make_world(probe=None, rules=str(rules), probe_allow_hosts="127.0.0.1")
    add_media(world, signed_server, media, "media-quiet", low="clean", high="quiet")
    world.send(json.dumps(callback("TranscodeComplete", "job-quiet", "media-quiet")))
    (alert,) = world.messages("alerts")
    failed = [f for f in alert["data"]["findings"] if f["outcome"] == "fail"]
    assert [f["rule"] for f in failed] == ["audio-loudness"]
    assert failed[0]["actual"]["integrated_lufs"] < -35 and failed[0]["expected"] == "-23 LUFS ± 2 LU"
