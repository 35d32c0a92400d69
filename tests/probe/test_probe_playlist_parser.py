"""playlist.py reads what m3u8 reads, on the tags the checks use: the same values when both accept a
playlist, a problem wherever m3u8 raises, and refusals of its own only for numbers a player cannot use."""

from __future__ import annotations

import math

import m3u8
from hypothesis import given, settings
from hypothesis import strategies as st

from playgate.probe.playlist import parse

NUMBERS = st.one_of(
    st.integers(-5, 10**7).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " 2 ", "2.5", "1e400", "-0", "abc", "1_000", "²", "9" * 5000, "+3", "0x10"]),
)
URIS = st.one_of(
    st.sampled_from(["seg.ts", "v/index.m3u8", "https://cdn.example.com/a.m4s?x=1", "  spaced.ts  "]),
    st.text(st.characters(blacklist_characters="#"), min_size=1, max_size=20),
)
QUOTED = st.sampled_from(['"a"', '"avc1.4d401e,mp4a.40.2"', '"mp4a.40.2"', "plain", '""'])


@st.composite
def stream_inf(draw) -> str:
    attributes = [f"BANDWIDTH={draw(NUMBERS)}"]  # m3u8 cannot load a variant without BANDWIDTH
    for name, values in (
        ("AVERAGE-BANDWIDTH", NUMBERS),
        ("RESOLUTION", st.sampled_from(["640x360", "axb", "1920", '"320x180"', "10x", "x10"])),
        ("CODECS", QUOTED),
        ("AUDIO", QUOTED),
        ("FRAME-RATE", NUMBERS),
    ):
        if draw(st.booleans()):
            attributes.append(f"{name}={draw(values)}")
    return "#EXT-X-STREAM-INF:" + ",".join(draw(st.permutations(attributes)))


LINES = st.one_of(
    NUMBERS.map(lambda n: f"#EXTINF:{n},"),
    st.tuples(NUMBERS, URIS).map(lambda t: f"#EXTINF:{t[0]},{t[1]}"),
    st.just("#EXTINF"),
    st.tuples(NUMBERS, NUMBERS).map(lambda t: f"#EXT-X-BYTERANGE:{t[0]}@{t[1]}"),
    NUMBERS.map(lambda n: f"#EXT-X-BYTERANGE:{n}"),
    NUMBERS.map(lambda n: f"#EXT-X-TARGETDURATION:{n}"),
    NUMBERS.map(lambda n: f"#EXT-X-VERSION:{n}"),
    NUMBERS.map(lambda n: f"#EXT-X-MEDIA-SEQUENCE:{n}"),
    st.sampled_from(["VOD", "event", " Vod "]).map(lambda t: f"#EXT-X-PLAYLIST-TYPE:{t}"),
    st.sampled_from(["#EXT-X-PLAYLIST-TYPE", "#EXT-X-TARGETDURATION", "#EXT-X-VERSION"]),
    st.just("#EXT-X-ENDLIST"),
    URIS.map(lambda u: f'#EXT-X-MAP:URI="{u}"'),
    st.sampled_from(["#EXT-X-MAP", '#EXT-X-MAP:BYTERANGE="100@0"', "#EXT-X-DISCONTINUITY", "# note", ""]),
    stream_inf(),
    st.tuples(st.sampled_from(["AUDIO", "SUBTITLES"]), QUOTED, URIS).map(
        lambda t: f'#EXT-X-MEDIA:TYPE={t[0]},GROUP-ID={t[1]},URI="{t[2]}"'
    ),
    st.just('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="no uri"'),
    URIS,
)


def carried_ranges(segments) -> list[tuple[int, int] | None]:
    """m3u8's byterange strings with the offset carried on, as playlist.py gives them."""
    out, end = [], 0
    for seg in segments:
        value = None
        if seg.byterange:
            length, _, offset = seg.byterange.partition("@")
            try:
                value = (int(offset) if offset else end, int(length))
            except ValueError:
                value = None
            if value is not None and (min(value) < 0 or sum(value) >= 2**62):
                value = None
        if value is not None:
            end = sum(value)
        out.append(value)
    return out


def refused_beyond_m3u8(text: str) -> int:
    """Lines the probe refuses although m3u8 takes them: an EXTINF or TARGETDURATION below 0 or not
    finite, an EXT-X-MAP without URI (and, counted by the caller, master and media tags mixed, a master
    without variants)."""
    count = 0
    for line in (line.strip() for line in text.splitlines()):
        tag, _, value = line.partition(":")
        try:
            if tag == "#EXTINF":
                number = float(value.split(",", 1)[0])
                count += number < 0 or not math.isfinite(number)
            elif tag == "#EXT-X-TARGETDURATION":
                count += int(value.strip()) < 0
        except ValueError:
            pass
        count += tag == "#EXT-X-MAP" and 'URI="' not in line
    return count


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, max_size=30))
def test_the_parser_reads_what_m3u8_reads(lines):
    text = "\n".join(["#EXTM3U", *lines])
    ours = parse(text, lambda count: list(range(count)))
    try:
        theirs = m3u8.loads(text)
    except Exception:
        assert ours.problem_count > 0, "m3u8 refuses this playlist; so must the probe"
        return
    if ours.problem_count:
        mixed = theirs.is_variant and len(theirs.segments) > 0
        empty = theirs.is_variant and not theirs.playlists
        assert ours.problem_count <= refused_beyond_m3u8(text) + mixed + empty, ours.problems
        return
    assert ours.is_variant == theirs.is_variant
    assert ours.target_duration == theirs.target_duration
    assert ours.playlist_type == theirs.playlist_type
    assert ours.endlist == theirs.is_endlist
    assert ours.segment_count == len(theirs.segments)
    assert [(s.uri, s.duration, s.init_uri) for s in ours.segments] == [
        (s.uri, s.duration, s.init_section.uri if s.init_section else None) for s in theirs.segments
    ]
    assert [s.byterange for s in ours.segments] == carried_ranges(theirs.segments)
    assert [
        (v.uri, v.bandwidth, v.average_bandwidth, v.resolution, v.codecs, v.audio) for v in ours.variants
    ] == [
        (
            p.uri,
            p.stream_info.bandwidth,
            p.stream_info.average_bandwidth,
            p.stream_info.resolution,
            p.stream_info.codecs,
            p.stream_info.audio,
        )
        for p in theirs.playlists
    ]
    assert [(r.uri, r.type, r.group_id) for r in ours.renditions] == [
        (m.uri, m.type, m.group_id) for m in theirs.media if m.uri
    ]


def test_only_the_sampled_segments_are_kept_while_every_one_is_counted_and_checked():
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + "".join(f"#EXTINF:2,\ns{i}.ts\n" for i in range(100_000))

    playlist = parse(text, lambda count: [0, count // 2, count - 1])

    assert playlist.segment_count == len(playlist.durations) == 100_000
    assert [(s.index, s.uri) for s in playlist.segments] == [
        (0, "s0.ts"),
        (50_000, "s50000.ts"),
        (99_999, "s99999.ts"),
    ]


def test_a_master_keeps_its_first_64_variants_and_counts_the_rest():
    text = "#EXTM3U\n" + "".join(f"#EXT-X-STREAM-INF:BANDWIDTH={i}\nv{i}.m3u8\n" for i in range(30_000))

    playlist = parse(text, lambda count: [])

    assert playlist.variant_count == 30_000
    assert [v.uri for v in playlist.variants] == [f"v{i}.m3u8" for i in range(64)]
