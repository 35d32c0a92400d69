"""Hostile sizes: a master of 30,000 variants, playlists of 100,000 segments, a reading the deadline
stops. The probe reads them in one pass, checks a bounded part and says what it left out."""

from __future__ import annotations

from probe_helpers import findings, probe

from playgate.probe.hls import sample
from playgate.probe.playlist import STOP_EVERY, parse


def test_a_master_of_30000_variants_checks_the_first_64_and_says_so(stream_server):
    lines = [f'#EXT-X-STREAM-INF:BANDWIDTH={i},CODECS="mp4a.40.2"\nv{i}.m3u8' for i in range(30_000)]
    stream_server.virtual["/wide/master.m3u8"] = ("#EXTM3U\n" + "\n".join(lines) + "\n").encode()

    report = probe(stream_server.url("/wide/master.m3u8"))

    [incomplete] = findings(report, "probe-incomplete", "warn")
    assert incomplete.actual == {"url": stream_server.url("/wide/master.m3u8"), "variants": 30_000}
    fetched = [p for p in stream_server.paths_requested() if p != "/wide/master.m3u8"]
    assert sorted(fetched) == sorted(f"/wide/v{i}.m3u8" for i in range(64))
    assert report.outcome == "fail"  # the 64 variants do not exist


def test_30000_stream_inf_lines_without_uris_are_a_master_without_variants(stream_server):
    stream_server.virtual["/bare/master.m3u8"] = b"#EXTM3U\n" + b"#EXT-X-STREAM-INF:\n" * 30_000

    report = probe(stream_server.url("/bare/master.m3u8"))

    [invalid] = findings(report, "hls-playlist-valid", "fail")
    assert "lists no variant" in invalid.message
    assert stream_server.paths_requested() == ["/bare/master.m3u8"]


def test_a_100000_segment_playlist_is_checked_whole_and_measured_on_its_sample(stream_server):
    segments = [f"#EXTINF:{7 if i == 77_777 else 2},\nseg.ts?n={i}" for i in range(100_000)]
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + "\n".join(segments) + "\n#EXT-X-ENDLIST\n"
    stream_server.virtual["/long/index.m3u8"] = text.encode()
    stream_server.virtual["/long/seg.ts"] = 1000

    report = probe(stream_server.url("/long/index.m3u8"))

    [long] = findings(report, "hls-extinf-within-target", "fail")
    assert (long.actual["segment"], long.actual["extinf"]) == (77_777, 7.0)
    assert stream_server.paths_requested().count("/long/seg.ts") == 30


def test_reading_stops_when_asked_and_says_it_stopped():
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + "#EXTINF:2,\nseg.ts\n" * 10_000
    answers = iter([False, False, True])  # an injected deadline: the third question is past it

    playlist = parse(text, lambda count: sample(count, 30), stop=lambda: next(answers))

    assert playlist.stopped
    assert playlist.segment_count == (2 * STOP_EVERY - 2) // 2  # the lines read before the third question
