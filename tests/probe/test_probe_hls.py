"""HLS checks on an ffmpeg-made ladder served by a local CDN: each passes clean and fails on its fault."""

from __future__ import annotations

import json

from probe_helpers import findings, outcomes, probe

MASTER = "/hls/master.m3u8"
MEDIA = "/hls/v0/index.m3u8"


def test_the_clean_ladder_passes_every_hls_check(stream_server):
    report = probe(stream_server.url(MASTER))

    assert report.outcome == "pass", report.to_markdown()
    assert outcomes(report) == {
        check: {"pass"}
        for check in (
            "url-reachable",
            "hls-playlist-valid",
            "hls-variant-attributes",
            "hls-extinf-within-target",
            "hls-bandwidth-matches-measured",
            "segment-starts-with-keyframe",
            "variant-matches-segments",
            "hls-target-duration",
            "hls-segments-aligned",
            "probe-incomplete",
        )
    }
    paths = stream_server.paths_requested()
    assert {"/hls/v0/index.m3u8", "/hls/v1/index.m3u8", "/hls/v0/init_0.mp4", "/hls/v1/seg_003.m4s"} <= set(
        paths
    )


def test_a_cdn_answering_403_without_the_auth_key_fails_url_reachable_without_leaking_the_query(
    stream_server,
):
    stream_server.auth_key = "right-key"
    wrong = stream_server.url(MASTER) + "?auth_key=wrong-key-123"

    report = probe(wrong)

    assert report.outcome == "fail"
    [finding] = findings(report, "url-reachable", "fail")
    assert finding.actual == {"url": stream_server.url(MASTER), "status": 403}
    assert "wrong-key-123" not in json.dumps(report.to_json())


def test_a_signed_url_is_used_exactly_as_given_and_its_key_appears_nowhere_in_the_report(stream_server):
    stream_server.auth_key = "secret-signature-456"

    report = probe(stream_server.url(MASTER, signed=True))

    assert report.outcome == "pass", report.to_markdown()
    assert "secret-signature-456" not in json.dumps(report.to_json())
    assert "secret-signature-456" not in report.to_markdown(include_passed=True)


def test_a_dropped_segment_fails_url_reachable_naming_the_segment(stream_server):
    stream_server.status["/hls/v1/seg_002.m4s"] = 404

    report = probe(stream_server.url(MASTER))

    [finding] = findings(report, "url-reachable", "fail")
    assert finding.actual == {"url": stream_server.url("/hls/v1/seg_002.m4s"), "status": 404}
    assert report.outcome == "fail"


def test_a_master_declaring_a_third_of_the_bandwidth_fails_the_measured_bandwidth_check(stream_server):
    stream_server.bandwidth_factor = 1 / 3

    report = probe(stream_server.url(MASTER))

    failed = findings(report, "hls-bandwidth-matches-measured", "fail")
    assert len(failed) == 2  # both variants
    for finding in failed:
        assert finding.actual["measured_peak_bps"] > 2.5 * finding.actual["bandwidth"]
    assert report.outcome == "fail"


def test_a_master_declaring_three_times_the_bandwidth_fails_when_every_segment_was_measured(stream_server):
    stream_server.bandwidth_factor = 3

    report = probe(stream_server.url(MASTER))

    assert len(findings(report, "hls-bandwidth-matches-measured", "fail")) == 2


def test_a_sample_of_segments_cannot_prove_bandwidth_too_high_but_proves_it_too_low(stream_server):
    stream_server.bandwidth_factor = 3
    assert probe(stream_server.url(MASTER), probe_max_segments=2).outcome == "pass"
    stream_server.bandwidth_factor = 1 / 3
    assert probe(stream_server.url(MASTER), probe_max_segments=2).outcome == "fail"


def test_variant_attributes_missing_bandwidth_fail_and_missing_codecs_or_resolution_warn(stream_server):
    stream_server.rewrite[MASTER] = lambda body: body.replace(b',CODECS="', b',X-CODECS="', 1)
    report = probe(stream_server.url(MASTER))
    [warned] = findings(report, "hls-variant-attributes", "warn")
    assert warned.actual["missing"] == "CODECS" and warned.severity == "warning"
    assert report.outcome == "warn"

    stream_server.rewrite[MASTER] = lambda body: body.replace(
        b"STREAM-INF:BANDWIDTH=", b"STREAM-INF:X-BW=", 1
    )
    report = probe(stream_server.url(MASTER))
    [failed] = findings(report, "hls-variant-attributes", "fail")
    assert failed.actual["missing"] == "BANDWIDTH"


def test_an_extinf_longer_than_the_target_duration_fails(stream_server):
    stream_server.rewrite[MEDIA] = lambda body: body.replace(
        b"#EXT-X-TARGETDURATION:2", b"#EXT-X-TARGETDURATION:1"
    )

    report = probe(stream_server.url(MASTER))

    failed = findings(report, "hls-extinf-within-target", "fail")
    assert failed and failed[0].actual["extinf"] == 2.0
    assert findings(report, "hls-extinf-within-target", "pass") == []


def test_a_vod_playlist_without_endlist_or_without_extm3u_is_invalid(stream_server):
    stream_server.rewrite[MEDIA] = lambda body: body.replace(b"#EXT-X-ENDLIST", b"")
    report = probe(stream_server.url(MASTER))
    [failed] = findings(report, "hls-playlist-valid", "fail")
    assert failed.actual["problem"] == "no #EXT-X-ENDLIST"

    stream_server.rewrite[MEDIA] = lambda body: body.replace(b"#EXTM3U", b"#EXTM3X")
    report = probe(stream_server.url(MASTER))
    [failed] = findings(report, "hls-playlist-valid", "fail")
    assert failed.actual == {"url": stream_server.url(MEDIA), "problem": "no #EXTM3U"}


def test_a_playlist_that_is_not_utf8_is_invalid(stream_server):
    stream_server.rewrite[MASTER] = lambda body: body + b"\n#\xff\xfe\n"

    report = probe(stream_server.url(MASTER))

    [failed] = findings(report, "hls-playlist-valid", "fail")
    assert failed.actual["problem"] == "not UTF-8"


def test_a_media_playlist_alone_is_probed_and_its_segments_sampled_within_the_budget(stream_server):
    report = probe(stream_server.url(MEDIA), probe_max_segments=2)

    assert report.outcome == "pass", report.to_markdown()
    sized = [p for _, p in stream_server.requests if "/seg_" in p]
    assert sorted(sized) == ["/hls/v0/seg_000.m4s", "/hls/v0/seg_003.m4s"]  # first and last


def test_segments_are_sized_with_ranged_gets_so_a_cdn_refusing_head_passes(stream_server):
    stream_server.head_allowed = False  # as OSS answers HEAD on a URL signed for GET

    report = probe(stream_server.url(MASTER))

    assert report.outcome == "pass", report.to_markdown()
    assert {m for m, _ in stream_server.requests} == {"GET"}


def test_byterange_segments_are_sized_from_the_playlist_with_one_byte_ranged_reads(
    stream_server, media_library
):
    import m3u8

    from playgate.probe.checks import effective_checks
    from playgate.probe.fetch import Fetcher
    from playgate.probe.results import Results
    from playgate.probe.runner import Target, probe_targets

    playlist = m3u8.loads(media_library.path("hls-single/index.m3u8").read_text())
    weight = sum(int(s.byterange.split("@")[0]) for s in playlist.segments) * 8
    expected_bps = weight / sum(s.duration for s in playlist.segments)
    results = Results(effective_checks())
    target = Target(stream_server.url("/hls-single/index.m3u8"))

    with Fetcher(allow_hosts=["127.0.0.1"]) as fetcher:
        probe_targets([target], fetcher, results, max_segments=30)

    assert target.facts.measured_average_bps == expected_bps
    assert {f.outcome for f in results.findings()} == {"pass"}
    assert stream_server.requests[1:] == [("GET", "/hls-single/index.m4s")] * (len(playlist.segments) + 1)


def test_a_variant_with_an_audio_group_is_measured_with_its_audio(stream_server):
    report = probe(stream_server.url("/hls-audio/master.m3u8"))

    assert report.outcome == "pass", report.to_markdown()
    paths = stream_server.paths_requested()
    assert paths.count("/hls-audio/audio/index.m3u8") == 1  # a variant and the group's rendition: once
    assert "/hls-audio/video/seg_003.m4s" in paths and "/hls-audio/audio/seg_003.m4s" in paths

    stream_server.status["/hls-audio/audio/index.m3u8"] = 404  # without the audio, the video alone is lighter
    report = probe(stream_server.url("/hls-audio/master.m3u8"))
    assert {f.rule for f in report.failures} == {"url-reachable"}
