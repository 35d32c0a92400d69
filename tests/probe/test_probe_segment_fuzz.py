"""The segment readers meet hostile bytes: junk never raises, and no cut or junk makes a segment that
does not start on a keyframe read as one that does."""

from __future__ import annotations

import struct

import pytest
from defects_probe_segments import DEFECTS
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from playgate.probe.inside import HEAD_BYTES
from playgate.probe.nal import AVC, HEVC, Truncated, parse_sps
from playgate.probe.segment import read_head, read_init

BOX_NAMES = st.sampled_from(
    [b"moov", b"trak", b"tkhd", b"mdia", b"mdhd", b"minf", b"stbl", b"stsd", b"avc1", b"hvc1", b"avcC",
     b"hvcC", b"mp4a", b"esds", b"mvex", b"trex", b"moof", b"traf", b"tfhd", b"trun", b"mdat", b"styp"]
)  # fmt: skip
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"moof", b"traf"}
PAT_PMT = (
    bytes.fromhex(  # a PAT naming PMT PID 0x1000, a PMT with H.264 on 0x100 and ADTS AAC on 0x101
        "474000100000b00d0001c100000001f0002ab104b2"
    )
    + b"\xff" * 167
    + bytes.fromhex("475000100002b0170001c10000e100f0001be100f0000fe101f0002f44b99b")
    + b"\xff" * 157
)


@st.composite
def boxes(draw, depth: int = 3) -> bytes:
    """Box-shaped bytes with lying sizes: nested moov/moof trees among random payloads."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(BOX_NAMES)
        nested = depth and name in CONTAINERS
        payload = draw(boxes(depth - 1)) if nested else draw(st.binary(max_size=200))
        size = draw(st.one_of(st.just(len(payload) + 8), st.integers(0, 2**32 - 1)))
        parts.append(struct.pack(">I4s", size, name) + payload)
    return b"".join(parts)


@st.composite
def ts_packets(draw) -> bytes:
    """A PAT and PMT, then TS packets of the video and audio PIDs with random flags and payloads."""
    packets = [PAT_PMT]
    for _ in range(draw(st.integers(0, 12))):
        pid = draw(st.sampled_from([0x100, 0x101, 0, 0x1000]))
        flags = draw(st.integers(0, 255))
        body = draw(st.one_of(st.binary(max_size=184), st.just(b"\x00\x00\x01\xe0\x00\x00\x80\x80\x05")))
        header = bytes([0x47, (0x40 if flags & 1 else 0) | pid >> 8, pid & 0xFF, 0x10 | (flags & 0x30)])
        packets.append((header + body + b"\xff" * 184)[:188])
    return b"".join(packets)


def _box(name: bytes, *children: bytes) -> bytes:
    payload = b"".join(children)
    return struct.pack(">I4s", 8 + len(payload), name) + payload


# a track header cut off at the end of the bytes read, after a sample description
CUT_TKHD = _box(
    b"moov",
    _box(b"trak", _box(b"mdia", _box(b"minf", _box(b"stbl", _box(b"stsd", bytes(16))))), _box(b"tkhd")),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(boxes(), ts_packets(), st.binary(max_size=2000)), st.one_of(st.none(), boxes()))
@example(b"", CUT_TKHD)
def test_reading_a_segment_never_raises_on_any_bytes(data, init_bytes):
    init = read_init(init_bytes) if init_bytes is not None else None
    head = read_head(data, init)
    assert head.switch_point in (True, False, None)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([AVC, HEVC]), st.binary(max_size=80))
def test_a_parameter_set_parses_or_says_it_is_cut(codec, nal):
    try:
        found = parse_sps(codec, nal)
    except Truncated:
        return
    assert found.codec == codec


@pytest.fixture(scope="module")
def bad_starts(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[bytes, bytes | None]]:
    """(segment, init) of segments the corpus builds that do not start on a keyframe, as players get them."""
    folder = tmp_path_factory.mktemp("bad-starts")
    found = []
    for defect in DEFECTS:
        if defect.fails != {"segment-starts-with-keyframe"}:
            continue
        rung = folder / defect.build(folder).strip("/").rsplit("/", 1)[0] / "v0"
        init = next(iter(rung.glob("init*.mp4")), None)
        segment = (rung / "seg_001.m4s") if init else next(rung.glob("seg_001.*"))
        found.append((segment.read_bytes()[:HEAD_BYTES], init.read_bytes() if init else None))
    assert found
    return found


def test_the_bad_starts_read_as_bad(bad_starts):
    for segment, init in bad_starts:
        assert read_head(segment, read_init(init) if init else None).switch_point is False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_no_cut_or_junk_makes_a_bad_start_read_as_a_keyframe(bad_starts, data):
    segment, init = data.draw(st.sampled_from(bad_starts))
    cut = data.draw(st.integers(0, len(segment)))
    junk = data.draw(st.binary(max_size=300))
    init_cut = 0 if init is None else data.draw(st.integers(0, len(init)))
    parsed = read_init(init[:init_cut]) if init else None
    assert read_head(segment[:cut] + junk, parsed).switch_point is not True
