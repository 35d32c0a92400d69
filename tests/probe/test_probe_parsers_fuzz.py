"""The byte and text parsers meet hostile input: they never raise, whatever the server sends."""

from __future__ import annotations

import struct
from itertools import pairwise

from hypothesis import example, given, settings
from hypothesis import strategies as st

from playgate.probe.dash import TemplateError, _fill
from playgate.probe.mp4 import _boxes, _read_moov, sniff
from playgate.probe.results import StreamFacts

BOX_NAMES = st.sampled_from([b"moov", b"mvhd", b"trak", b"tkhd", b"mdat", b"free", b"ftyp"])


@st.composite
def boxes(draw, depth: int = 2) -> bytes:
    """Box-shaped bytes with lying sizes: nested moov/trak/tkhd among random payloads."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(BOX_NAMES)
        payload = (
            draw(boxes(depth - 1)) if depth and name in (b"moov", b"trak") else draw(st.binary(max_size=120))
        )
        size = draw(st.one_of(st.just(len(payload) + 8), st.integers(0, 2**32 - 1)))
        parts.append(struct.pack(">I4s", size, name) + payload)
    return b"".join(parts)


@settings(max_examples=300, deadline=None)
@given(boxes(), st.one_of(st.none(), st.integers(0, 10**9)))
def test_reading_a_moov_never_raises_on_any_bytes(data, total):
    facts = StreamFacts(kind="mp4")
    _read_moov(facts, data, (0, len(data)), total)
    list(_boxes(data, 0, len(data) + 100))
    sniff(data)
    assert facts.width is None or facts.width >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="$%0123456789dNumberRepresentationIDTimeBandwidth-_./", max_size=40))
def test_a_segment_template_resolves_or_says_why(template):
    values = {"RepresentationID": "v1", "Number": "7", "Time": "0", "Bandwidth": "300000"}
    try:
        _fill(template, values)
    except TemplateError as error:
        assert template in str(error)


LINES = st.sampled_from(
    [
        "#EXTM3U",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-TARGETDURATION:x",
        "#EXTINF:2.0,",
        "#EXTINF:-1,",
        "#EXTINF:abc,",
        "#EXT-X-BYTERANGE:100@0",
        "#EXT-X-BYTERANGE:junk",
        "#EXT-X-STREAM-INF:BANDWIDTH=1000",
        "#EXT-X-STREAM-INF:RESOLUTION=axb,CODECS=",
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="a.m3u8"',
        "#EXT-X-ENDLIST",
        "#EXT-X-PLAYLIST-TYPE:EVENT",
        "seg.ts",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(LINES, st.text(max_size=30)), max_size=25))
def test_any_playlist_text_parses_or_is_reported_invalid(lines):
    from playgate.probe.context import ProbeContext
    from playgate.probe.fetch import Fetcher
    from playgate.probe.hls import _media_from, _parse
    from playgate.probe.results import Results

    results = Results()
    ctx = ProbeContext(Fetcher(), results, "fuzz")
    url = "http://127.0.0.1:9/p/index.m3u8"
    playlist = _parse(ctx, url, "\n".join(lines).encode("utf-8", "surrogatepass"))
    if playlist is not None and not playlist.is_variant:
        _media_from(ctx, url, playlist, None)
    assert all(f.rule.startswith("hls-") for f in results.findings())


NUMBER_TEXT = st.one_of(
    st.sampled_from(["0", "-1", "2", "1e308", "-1e308", "nan", "inf", "1e-300", "abc", "", "3.5", "10" * 20]),
    st.integers(-(10**15), 10**15).map(str),
)


@st.composite
def dash_timelines(draw) -> str:
    """A SegmentTemplate with a SegmentTimeline of hostile S elements (t, d, r any text or number)."""
    items = []
    for _ in range(draw(st.integers(0, 6))):
        attributes = {name: draw(NUMBER_TEXT) for name in ("t", "d", "r") if draw(st.booleans())}
        items.append("<S " + " ".join(f'{k}="{v}"' for k, v in attributes.items()) + "/>")
    timescale = draw(st.one_of(st.none(), NUMBER_TEXT))
    scale = f' timescale="{timescale}"' if timescale is not None else ""
    timeline = f"<SegmentTimeline>{''.join(items)}</SegmentTimeline>"
    return f'<SegmentTemplate media="m"{scale}>{timeline}</SegmentTemplate>'


@settings(max_examples=300, deadline=None)
@given(dash_timelines(), st.one_of(st.none(), st.floats(0, 1e12)))
def test_a_dash_timeline_gives_bounded_ascending_times_or_says_why(xml, period_s):
    from defusedxml import ElementTree

    from playgate.probe.dash import _tag, _template
    from playgate.probe.dash_timeline import MAX_SEGMENTS, TimelineError, segment_ends

    holder = ElementTree.fromstring(f"<AdaptationSet>{xml}</AdaptationSet>")
    try:
        ends = segment_ends(_template(holder, {}), None, period_s, _tag)
    except TimelineError as error:
        assert "@" in str(error)
        return
    if ends is not None:
        assert 0 < len(ends) <= MAX_SEGMENTS
        assert all(a <= b for a, b in pairwise(ends))


def _misaligned(a: list[float], b: list[float], tolerance: float) -> bool:
    """The definition, slowly: a boundary of either, before both end, with none of the other's near it."""
    end = min(a[-1], b[-1]) - tolerance
    return any(
        x < end and all(abs(x - y) > tolerance for y in theirs)
        for mine, theirs in ((a, b), (b, a))
        for x in mine
    )


LADDER_LINES = st.sampled_from(
    [
        *[
            "#EXTINF:2.0,",
            "#EXTINF:3.0,",
            "#EXTINF:2.04,",
            "#EXTINF:1,",
            "seg.ts",
            "#EXTINF:x,",
            "#EXTINF:-1,",
            "",
        ],
        *["#EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:01Z", "#EXT-X-PROGRAM-DATE-TIME:junk"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(LADDER_LINES, LINES, st.text(max_size=20)), max_size=20), st.integers(0, 5))
@example(junk=["#EXT-X-BYTERANGE:100@0"], at=4)  # a last segment with neither EXTINF nor URI
def test_junk_in_a_rung_never_makes_a_misaligned_ladder_pass(junk, at):
    """A rung cut at 3 s beside one cut at 2 s, junk lines spliced into the second: the ladder is
    judged misaligned exactly when its parsed boundaries are (by the slow definition), and a playlist
    whose segments cannot be placed fails hls-playlist-valid."""
    from itertools import accumulate

    from playgate.probe.context import ProbeContext
    from playgate.probe.fetch import Fetcher
    from playgate.probe.hls import _Budget, _check_alignment, _media_from, _parse
    from playgate.probe.results import Results

    results = Results()
    ctx = ProbeContext(Fetcher(), results, "fuzz")
    head = ["#EXTM3U", "#EXT-X-TARGETDURATION:3", "#EXT-X-PLAYLIST-TYPE:VOD"]
    body = ["#EXTINF:3.0,", "a.ts", "#EXTINF:3.0,", "b.ts"]
    second = [*head, *body[:at], *junk, *body[at:], "#EXT-X-ENDLIST"]
    first = [*head, *["#EXTINF:2.0,", "s.ts"] * 3, "#EXT-X-ENDLIST"]
    medias = []
    for name, lines in (("r0", first), ("r1", second)):
        url = f"http://127.0.0.1:9/{name}/index.m3u8"
        playlist = _parse(ctx, url, "\n".join(lines).encode("utf-8", "surrogatepass"))
        media = None if playlist is None else _media_from(ctx, url, playlist, None)
        if media is not None:
            media.durations = playlist.durations
            medias.append(media)
    _check_alignment(ctx, "http://127.0.0.1:9/master.m3u8", medias, _Budget(10**6))
    raised = {f.rule for f in results.findings() if f.outcome != "pass"}
    if len(medias) < 2 or any(d != d for d in medias[1].durations) or not len(medias[1].durations):
        assert "hls-playlist-valid" in raised
        return
    expected = _misaligned(list(accumulate([2.0] * 3)), list(accumulate(medias[1].durations)), 0.05)
    assert ("hls-segments-aligned" in raised) == expected, medias[1].durations
