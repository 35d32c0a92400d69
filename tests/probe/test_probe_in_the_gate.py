"""The gate probes what it is about to publish: renditions in the emulator point at the local CDN."""

from __future__ import annotations

import copy
import json

import pytest

from playgate.testing import sample_catalog_path
from playgate.testing.sample_events import callback

MEDIA_ID = "media-probed"
KEY = "cdn-auth-key-789"
RENDITIONS = (  # definition, path, width, height, kb/s as the ffmpeg ladder was made
    ("HD", "/hls/v0/index.m3u8", 320, 180, 364),
    ("SD", "/hls/v1/index.m3u8", 160, 90, 164),
)


def add_probed_media(emulator, server, renditions=RENDITIONS, media_id=MEDIA_ID):
    """A GetMediaInfo/GetPlayInfo pair (from the sample ladder) for the ffmpeg ladder on the local CDN."""
    folder = sample_catalog_path()
    media = json.loads((folder / "media-ladder-ok.media.json").read_text())
    play = json.loads((folder / "media-ladder-ok.play.json").read_text())
    media["MediaInfo"]["MediaId"] = media["MediaInfo"]["MediaBasicInfo"]["MediaId"] = media_id
    play["MediaBase"]["MediaId"] = media_id
    file = media["MediaInfo"]["FileInfoList"][0]
    file["FileBasicInfo"]["Duration"] = file["VideoStreamInfoList"][0]["Duration"] = "8.000000"
    file["AudioStreamInfoList"][0]["Duration"] = "8.000000"
    template = play["PlayInfoList"][0]
    play["PlayInfoList"] = []
    for definition, path, width, height, kbps in renditions:
        rendition = copy.deepcopy(template)
        rendition.update(
            Definition=definition,
            Width=width,
            Height=height,
            Bitrate=str(kbps),
            Duration="8.0",
            Format=path.rsplit(".", 1)[1],
        )
        rendition["PlayURL"] = server.url(path, signed=True)
        play["PlayInfoList"].append(rendition)
    emulator.add_media(media_id, media, play)


@pytest.fixture
def probing_world(make_world, stream_server):
    stream_server.auth_key = KEY
    world = make_world(probe=None, probe_allow_hosts="127.0.0.1")
    add_probed_media(world.emulator, stream_server)
    return world


def ladder_event(job_id="job-probe-1", profile="hls-ladder"):
    return callback("MediaConvertComplete", job_id, MEDIA_ID, user_data={"qcProfile": profile})


def test_a_clean_ladder_is_probed_and_published_as_playback_ready(probing_world, stream_server):
    summary = probing_world.send(ladder_event())

    assert summary["results"][0]["status"] == "published", summary
    [message] = probing_world.messages("playback")
    assert message["type"] == "playgate.playback.ready"
    assert message["data"]["qc"]["outcome"] == "pass"
    assert {"/hls/v0/index.m3u8", "/hls/v1/seg_003.m4s"} <= set(stream_server.paths_requested())


def test_a_dropped_segment_becomes_a_qc_alert_naming_the_rendition_without_the_signature(
    probing_world, stream_server
):
    stream_server.status["/hls/v1/seg_002.m4s"] = 404

    probing_world.send(ladder_event())

    assert probing_world.messages("playback") == []
    [alert] = probing_world.messages("alerts")
    data = alert["data"]
    assert data["reason"] == "qc_failed"
    [finding] = [f for f in data["findings"] if f["rule"] == "url-reachable"]
    assert finding["subject"] == "rendition[1] SD m3u8"
    assert finding["actual"] == {"url": stream_server.url("/hls/v1/seg_002.m4s"), "status": 404}
    assert KEY not in json.dumps(alert)


def test_the_default_profile_does_not_probe(probing_world, stream_server):
    stream_server.status["/hls/v1/seg_002.m4s"] = 404

    probing_world.send(ladder_event(profile="default"))

    assert [m["type"] for m in probing_world.messages("playback")] == ["playgate.playback.ready"]
    assert stream_server.requests == []


@pytest.mark.parametrize(
    ("setting", "profile", "probed"), [("manifest", "default", True), ("none", "hls-ladder", False)]
)
def test_playgate_probe_overrides_every_profile(make_world, stream_server, setting, profile, probed):
    stream_server.auth_key = KEY
    world = make_world(probe=setting, probe_allow_hosts="127.0.0.1")
    add_probed_media(world.emulator, stream_server)

    world.send(ladder_event(profile=profile))

    assert bool(stream_server.requests) is probed


def test_a_bitrate_that_disagrees_with_get_play_info_fails_rendition_matches_play_info(
    make_world, stream_server
):
    world = make_world(probe=None, probe_allow_hosts="127.0.0.1")
    wrong = (("HD", "/hls/v0/index.m3u8", 320, 180, 4500), RENDITIONS[1])
    add_probed_media(world.emulator, stream_server, renditions=wrong)

    world.send(ladder_event())

    [alert] = world.messages("alerts")
    [finding] = [f for f in alert["data"]["findings"] if f["outcome"] == "fail"]
    assert finding["rule"] == "rendition-matches-play-info"
    assert finding["subject"] == "rendition[0] HD m3u8"
    assert 300_000 < finding["actual"]["measured_average_bps"] < 450_000


def test_a_resolution_that_disagrees_with_get_play_info_fails_rendition_matches_play_info(
    make_world, stream_server
):
    world = make_world(probe=None, probe_allow_hosts="127.0.0.1")
    dash = (("HD", "/dash/manifest.mpd", 1280, 720, 300), ("SD", "/hls/v1/index.m3u8", 160, 90, 164))
    add_probed_media(world.emulator, stream_server, renditions=dash)

    world.send(ladder_event())

    [alert] = world.messages("alerts")
    failed = [f for f in alert["data"]["findings"] if f["outcome"] == "fail"]
    assert [(f["rule"], f["actual"]) for f in failed] == [
        ("rendition-matches-play-info", {"stream": "320x180"})
    ]


def test_a_probe_cut_short_by_the_fc_deadline_publishes_with_a_probe_incomplete_warning(
    make_world, stream_server
):
    from types import SimpleNamespace

    from playgate.handler import handle_payload

    world = make_world(probe=None, probe_allow_hosts="127.0.0.1", probe_concurrency=2, safety_margin_s=0.5)
    add_probed_media(world.emulator, stream_server)
    for rung in ("v0", "v1"):
        for i in range(4):
            stream_server.stall[f"/hls/{rung}/seg_00{i}.m4s"] = 2.0
    fc_context = SimpleNamespace(function=SimpleNamespace(timeout=5))

    summary = handle_payload(ladder_event(), runtime=world.runtime, context=fc_context)

    assert summary["results"][0]["status"] == "published", summary
    [message] = world.messages("playback")
    qc = message["data"]["qc"]
    assert qc["outcome"] == "warn"
    assert "probe-incomplete" in json.dumps(qc["warnings"])


def test_an_mp4_rendition_with_moov_at_the_end_is_published_with_a_faststart_warning(
    make_world, stream_server
):
    world = make_world(probe="manifest", probe_allow_hosts="127.0.0.1")
    mp4 = (("HD", "/mp4/faststart.mp4", 320, 180, 364), ("SD", "/mp4/moov-at-end.mp4", 320, 180, 364))
    add_probed_media(world.emulator, stream_server, renditions=mp4)

    world.send(ladder_event(profile="default"))

    [message] = world.messages("playback")
    [warning] = message["data"]["qc"]["warnings"]
    assert (warning["rule"], warning["subject"]) == ("mp4-faststart", "rendition[1] SD mp4")


def test_an_mp4_renditions_moov_is_compared_with_get_play_info(make_world, stream_server):
    world = make_world(probe="manifest", probe_allow_hosts="127.0.0.1")
    wrong = (("HD", "/mp4/faststart.mp4", 640, 360, 364), ("SD", "/mp4/faststart.mp4", 320, 180, 1200))
    add_probed_media(world.emulator, stream_server, renditions=wrong)

    world.send(ladder_event(profile="default"))

    [alert] = world.messages("alerts")
    failed = [(f["subject"], f["actual"]) for f in alert["data"]["findings"] if f["outcome"] == "fail"]
    assert failed[0] == ("rendition[0] HD mp4", {"stream": "320x180"})
    assert failed[1][0] == "rendition[1] SD mp4" and 390_000 < failed[1][1]["measured_average_bps"] < 410_000
    assert len(failed) == 2
