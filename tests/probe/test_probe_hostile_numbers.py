"""A malformed number in a playlist, a manifest or a header never turns a failure into a pass or a
warning: the failing stream stays failing, whatever junk is added to it (hypothesis, through the real
CDN on 127.0.0.1)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from probe_helpers import findings, probe

from playgate.probe.context import ProbeContext
from playgate.probe.fetch import Fetcher
from playgate.probe.results import Results
from playgate.testing.stream_server import StreamServer

MASTER = "/hls/master.m3u8"
V0, V1 = "/hls/v0/index.m3u8", "/hls/v1/index.m3u8"
MPD = "/dash/manifest.mpd"
DROPPED = "/hls/v1/seg_002.m4s"
SPECIAL = st.sampled_from(["inf", "-inf", "nan", "-1", "1e400", "²", "٣", "9" * 5000, "", " ", "0x10", "1_0"])
NUMBERS = st.one_of(
    SPECIAL,
    SPECIAL,  # twice: drawn as often as all other numbers together
    st.integers().map(str),
    st.floats().map(repr),
    st.text(max_size=12),
)
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def add_lines(body: bytes, lines: list[tuple[int, str]]) -> bytes:
    """The playlist with each line inserted at its position (mod the line count)."""
    out = body.decode().split("\n")
    for position, line in lines:
        out.insert(position % len(out), line)
    return "\n".join(out).encode()


def test_an_infinite_extinf_and_a_dropped_segment_fail(stream_server):
    stream_server.rewrite[V0] = lambda body: body.replace(b"#EXTINF:2.000000,", b"#EXTINF:inf,", 1)
    stream_server.status[DROPPED] = 404

    report = probe(stream_server.url(MASTER))

    assert report.outcome == "fail"
    [invalid] = findings(report, "hls-playlist-valid", "fail")
    assert "'#EXTINF:inf,'" in invalid.message and "not a finite duration" in invalid.message
    assert [f.actual["url"] for f in findings(report, "url-reachable", "fail")] == [
        stream_server.url(DROPPED)
    ]
    assert [f.outcome for f in findings(report, "probe-incomplete")] == ["pass"]  # no internal error


def test_content_length_and_content_range_that_are_not_numbers_leave_the_failure_a_failure(stream_server):
    stream_server.status[DROPPED] = 404
    stream_server.headers["/hls/v0/seg_000.m4s"] = {"Content-Range": "", "Content-Length": "²"}
    stream_server.headers["/hls/v0/seg_001.m4s"] = {"Content-Range": "bytes 0-0/" + "9" * 5000}

    report = probe(stream_server.url(MASTER))

    assert report.outcome == "fail"
    assert [f.actual["url"] for f in findings(report, "url-reachable", "fail")] == [
        stream_server.url(DROPPED)
    ]
    assert [f.outcome for f in findings(report, "probe-incomplete")] == ["pass"]


def test_a_probe_stopped_by_an_internal_error_fails_rather_than_warns():
    results = Results()
    ctx = ProbeContext(Fetcher(), results, "rendition[0]")
    ctx.failed = "OverflowError"

    ctx.finish()

    [finding] = results.findings()
    assert (finding.rule, finding.outcome) == ("probe-incomplete", "fail")
    assert "internal error (OverflowError)" in finding.message


JUNK_TAGS = st.one_of(
    NUMBERS.map(lambda n: f"#EXTINF:{n},"),
    NUMBERS.map(lambda n: f"#EXT-X-TARGETDURATION:{n}"),
    st.tuples(NUMBERS, NUMBERS).map(lambda t: f"#EXT-X-BYTERANGE:{t[0]}@{t[1]}"),
    NUMBERS.map(lambda n: f"#EXT-X-MEDIA-SEQUENCE:{n}"),
    NUMBERS.map(lambda n: f"#EXT-X-VERSION:{n}"),
    NUMBERS.map(lambda n: f'#EXT-X-MAP:URI="init.mp4",BYTERANGE="{n}"'),
    st.tuples(NUMBERS, NUMBERS, NUMBERS).map(
        lambda t: f"#EXT-X-STREAM-INF:BANDWIDTH={t[0]},AVERAGE-BANDWIDTH={t[1]},RESOLUTION={t[2]}x{t[2]}"
    ),
    st.sampled_from(["#EXT-X-ENDLIST", "#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-DISCONTINUITY", "#", ""]),
    st.text(max_size=30).map(lambda t: "#" + t),
)


@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(
    st.sampled_from([MASTER, V0, V1]),
    st.lists(st.tuples(st.integers(0, 40), JUNK_TAGS), min_size=1, max_size=6),
)
def test_junk_tags_added_to_a_failing_ladder_never_make_it_pass(media_library, where, junk):
    with StreamServer(media_library.root) as cdn:
        cdn.status[DROPPED] = 404
        cdn.rewrite[where] = lambda body: add_lines(body, junk)

        report = probe(cdn.url(MASTER), time_limit=60)

    assert report.outcome == "fail", [f.message for f in report.findings if f.outcome != "pass"]


XML_JUNK = st.one_of(
    NUMBERS.map(lambda n: f'bandwidth="{n}"'),
    NUMBERS.map(lambda n: f'startNumber="{n}"'),
    NUMBERS.map(lambda n: f'width="{n}" height="{n}"'),
    NUMBERS.map(lambda n: f'x-junk="{n}"'),
    st.text(max_size=20),
)


@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(XML_JUNK, st.sampled_from([b"<Representation ", b"<SegmentTemplate ", b"<AdaptationSet ", b"<MPD "]))
def test_junk_attributes_added_to_a_failing_mpd_never_make_it_pass(media_library, junk, element):
    with StreamServer(media_library.root) as cdn:
        cdn.status["/dash/chunk-stream1-00001.m4s"] = 404
        cdn.rewrite[MPD] = lambda body: body.replace(
            element, element + junk.encode("utf-8", "replace") + b" "
        )

        report = probe(cdn.url(MPD), time_limit=60)

    assert report.outcome == "fail", [f.message for f in report.findings if f.outcome != "pass"]


HEADER_JUNK = st.fixed_dictionaries(
    {},
    optional={
        "Content-Length": NUMBERS,
        "Content-Range": st.one_of(NUMBERS.map(lambda n: f"bytes 0-0/{n}"), NUMBERS),
        "Content-Type": st.sampled_from(["text/html", "video/mp4", "", "application/vnd.apple.mpegurl"]),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(
    st.sampled_from(["/hls/v0/seg_000.m4s", "/hls/v0/seg_003.m4s", "/hls/v1/seg_001.m4s", V0]), HEADER_JUNK
)
def test_junk_response_headers_on_a_failing_ladder_never_make_it_pass(media_library, path, headers):
    headers = {k: v for k, v in headers.items() if v.isprintable() and "\n" not in v}
    with StreamServer(media_library.root) as cdn:
        cdn.status[DROPPED] = 404
        cdn.headers[path] = headers

        report = probe(cdn.url(MASTER), time_limit=60)

    assert report.outcome == "fail", [f.message for f in report.findings if f.outcome != "pass"]
