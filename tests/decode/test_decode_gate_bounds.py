"""The decode step is bounded: the gate's leaves the time to publish the verdict (a tight FC deadline ends
in a published verdict with ``decode-incomplete``, not a retry), and ffmpeg's memory has a ceiling (a
master of huge playlists, or a 3,000,000-segment playlist, ends in ``decode-incomplete``)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from playgate.decode.engine import Target, decode_target
from playgate.decode.ffmpeg import MEMORY_LIMIT_BYTES, find_tools
from playgate.decode.guard import GuardProxy
from playgate.decode.spec import DecodeSpec, Window
from playgate.handler import RetryLater, handle_payload
from playgate.probe.fetch import Fetcher
from playgate.rules.report import Finding
from playgate.testing.sample_events import callback

ONE_WINDOW = DecodeSpec(windows=[Window(start=0, seconds=2)])


def add_hls_media(world, url: str, media_id: str) -> None:
    basic = {"MediaId": media_id, "Status": "Normal", "MediaType": "video", "Title": "decode bounds"}
    rendition = {
        "Status": "Normal", "Width": 320, "Height": 180, "Fps": "25", "Duration": "8.0", "Bitrate": "300",
        "Definition": "LD", "Format": "m3u8", "StreamType": "video", "PlayURL": url, "Encrypt": 0,
    }  # fmt: skip
    play = {
        "RequestId": "bounds",
        "MediaBase": {"MediaId": media_id, "Status": "Normal", "MediaType": "video"},
        "PlayInfoList": [rendition],
    }
    world.emulator.add_media(
        media_id, {"MediaInfo": {"MediaId": media_id, "MediaBasicInfo": basic, "FileInfoList": []}}, play
    )


def invoke(world, media_id: str, remaining_s: float) -> dict:
    context = SimpleNamespace(
        request_id=f"req-{media_id}",
        credentials=None,
        get_remaining_time_in_millis=lambda: remaining_s * 1000,
    )
    payload = json.dumps(callback("TranscodeComplete", f"job-{media_id}", media_id))
    try:
        return handle_payload(payload, runtime=world.runtime, context=context)
    except RetryLater as error:
        return {**error.summary, "retry": True}


def verdict_findings(world) -> list[dict]:
    (message,) = world.messages("alerts") + world.messages("playback")
    return message["data"].get("findings", [])


def test_a_decode_that_runs_to_the_deadline_still_leaves_time_to_publish(make_world, stream_server):
    world = make_world(probe="decode", probe_allow_hosts="127.0.0.1", safety_margin_s=1.0)
    stream_server.stall["/hls/v0/seg_003.m4s"] = 60  # the probe gives up on it; ffmpeg waits until stopped
    add_hls_media(world, stream_server.url("/hls/v0/index.m3u8"), "media-tight")
    summary = invoke(world, "media-tight", remaining_s=9)
    assert "retry" not in summary, summary
    assert summary["results"][0]["status"] == "published"
    rules = {f["rule"] for f in verdict_findings(world)}
    assert "decode-incomplete" in rules, rules


def huge_playlist(segments: int) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", "#EXT-X-PLAYLIST-TYPE:VOD"]
    lines += [f"#EXTINF:2,\n{i}.ts" for i in range(segments)]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def memory_finding(findings) -> Finding:
    (finding,) = [f for f in findings if f.rule == "decode-incomplete"]
    assert finding.outcome == "warn" and "ran out of memory" in finding.message, findings
    return finding


def test_a_master_of_huge_playlists_stops_at_ffmpegs_memory_ceiling_as_decode_incomplete(stream_server):
    stream_server.virtual["/huge/v.m3u8"] = huge_playlist(190_000)  # just under the 4 MiB playlist cap
    variants = (f"#EXT-X-STREAM-INF:BANDWIDTH={i + 1}000\nv.m3u8?v={i}\n" for i in range(16))
    stream_server.virtual["/huge/master.m3u8"] = ("#EXTM3U\n" + "".join(variants)).encode()
    with Fetcher(allow_hosts=["127.0.0.1"]) as fetcher, GuardProxy(fetcher) as guard:
        target = Target(stream_server.url("/huge/master.m3u8"), "r")
        findings = decode_target(target, ONE_WINDOW, find_tools(None), timeout_s=60, guard=guard)
    memory_finding(findings)


def test_a_local_playlist_of_three_million_segments_stops_at_the_memory_ceiling(tmp_path):
    playlist = tmp_path / "huge.m3u8"
    playlist.write_bytes(huge_playlist(3_000_000))  # 60 MiB: ffmpeg took 629 MiB for it, uncapped
    findings = decode_target(Target(str(playlist), "file"), ONE_WINDOW, find_tools(None), timeout_s=60)
    assert memory_finding(findings).actual == {"memory_ceiling_mib": MEMORY_LIMIT_BYTES // 2**20}


def test_a_remote_playlist_over_the_size_cap_never_reaches_ffmpeg(stream_server):
    stream_server.virtual["/huge/v.m3u8"] = huge_playlist(3_000_000)
    with Fetcher(allow_hosts=["127.0.0.1"]) as fetcher, GuardProxy(fetcher) as guard:
        target = Target(stream_server.url("/huge/v.m3u8"), "r")
        findings = decode_target(target, ONE_WINDOW, find_tools(None), timeout_s=60, guard=guard)
    (finding,) = findings
    assert finding.outcome == "fail" and "a playlist or manifest larger than" in finding.message
