"""The byte and text parsers meet hostile input: they never raise, whatever the server sends."""

from __future__ import annotations

import struct

from hypothesis import given, settings
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
