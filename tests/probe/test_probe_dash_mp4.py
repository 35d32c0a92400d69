"""DASH and progressive MP4 on ffmpeg-made files: each check passes clean and fails on its fault."""

from __future__ import annotations

from probe_helpers import findings, outcomes, probe

MPD = "/dash/manifest.mpd"


def test_the_clean_mpd_passes_and_each_representations_first_segment_was_fetched(stream_server):
    report = probe(stream_server.url(MPD))

    assert report.outcome == "pass", report.to_markdown()
    assert outcomes(report)["dash-mpd-valid"] == {"pass"}
    paths = set(stream_server.paths_requested())
    assert {
        "/dash/init-stream0.m4s",
        "/dash/chunk-stream0-00001.m4s",
        "/dash/chunk-stream1-00001.m4s",
    } <= paths
    assert "/dash/chunk-stream0-00002.m4s" not in paths


def test_a_representation_without_codecs_or_size_fails(stream_server):
    stream_server.rewrite[MPD] = lambda body: body.replace(b'codecs="avc1', b'x-codecs="avc1').replace(
        b' width="320"', b""
    )

    report = probe(stream_server.url(MPD))

    missing = sorted(f.actual["missing"] for f in findings(report, "dash-mpd-valid", "fail"))
    assert missing == ["codecs", "width"]


def test_an_unreachable_first_segment_fails_dash_mpd_valid(stream_server):
    stream_server.status["/dash/chunk-stream1-00001.m4s"] = 404

    report = probe(stream_server.url(MPD))

    [failed] = findings(report, "dash-mpd-valid", "fail")
    assert failed.actual == {"url": stream_server.url("/dash/chunk-stream1-00001.m4s"), "status": 404}


def test_a_template_with_an_unknown_identifier_fails(stream_server):
    stream_server.rewrite[MPD] = lambda body: body.replace(b"$Number%05d$", b"$Chunk$", 1)

    report = probe(stream_server.url(MPD))

    [failed] = findings(report, "dash-mpd-valid", "fail")
    assert "$Chunk$" in failed.actual["template"]


def test_an_mpd_with_entities_is_refused_by_the_parser(stream_server):
    bomb = b'<?xml version="1.0"?><!DOCTYPE MPD [<!ENTITY a "aaaaaaaaaa">]><MPD>&a;</MPD>'
    stream_server.virtual["/dash/bomb.mpd"] = bomb

    report = probe(stream_server.url("/dash/bomb.mpd"))

    [failed] = findings(report, "dash-mpd-valid", "fail")
    assert failed.actual["problem"] == "DTDForbidden"


def test_an_mp4_with_moov_first_passes_faststart_reading_only_its_first_bytes(stream_server, media_library):
    report = probe(stream_server.url("/mp4/faststart.mp4"))

    assert outcomes(report)["mp4-faststart"] == {"pass"}
    assert stream_server.requests == [("GET", "/mp4/faststart.mp4")]


def test_an_mp4_with_moov_at_the_end_warns_after_a_few_ranged_reads(stream_server, media_library):
    size = media_library.path("mp4/moov-at-end.mp4").stat().st_size

    report = probe(stream_server.url("/mp4/moov-at-end.mp4"))

    [warned] = findings(report, "mp4-faststart", "warn")
    assert warned.actual["first"] == "mdat"
    assert report.outcome == "warn"
    assert len(stream_server.requests) <= 3 and size > 64 * 1024


def test_mp4_faststart_severity_comes_from_the_rule_file(stream_server):
    report = probe(
        stream_server.url("/mp4/moov-at-end.mp4"), overrides={"mp4-faststart": {"severity": "error"}}
    )

    assert report.outcome == "fail"
    report = probe(stream_server.url("/mp4/moov-at-end.mp4"), overrides={"mp4-faststart": {"enabled": False}})
    assert report.outcome == "pass" and not findings(report, "mp4-faststart")


def test_an_unknown_extension_is_recognised_by_its_first_bytes(stream_server, media_library):
    stream_server.virtual["/video"] = media_library.path("mp4/moov-at-end.mp4").read_bytes()

    assert outcomes(probe(stream_server.url("/video")))["mp4-faststart"] == {"warn"}


def test_an_flv_is_checked_for_reachability_with_one_ranged_read(stream_server):
    report = probe(stream_server.url("/mp4/clip.flv"))

    assert report.outcome == "pass" and outcomes(report)["url-reachable"] == {"pass"}
    assert stream_server.requests == [("GET", "/mp4/clip.flv")]
    stream_server.status["/mp4/clip.flv"] = 503
    [failed] = findings(probe(stream_server.url("/mp4/clip.flv")), "url-reachable", "fail")
    assert failed.actual["status"] == 503


def test_a_closed_port_is_reported_as_refused():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/vod/clip.mp4"

    [failed] = findings(probe(url), "url-reachable", "fail")

    assert failed.actual == {"url": url, "status": "refused"}
