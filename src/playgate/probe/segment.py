"""The start of a media segment as players get it: its first picture and what its streams are.

``read_head(data, init)`` reads the first bytes of a segment — MPEG-TS (the video PID's first PES:
its NAL units and PTS; the audio stream's type and ADTS header) or fragmented MP4 (moof/mdat: the video
track's first sample, its NAL units and flags; the init section's avcC/hvcC and esds). Whatever cannot
be read from the bytes given is left None: a segment cut short, encrypted or of an unknown kind is
"unknown", never a finding.
"""

from __future__ import annotations

import contextlib
import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from playgate.probe.nal import (
    AVC,
    AVC_SPS,
    HEVC,
    HEVC_SPS,
    Truncated,
    VideoFormat,
    annex_b,
    is_picture,
    is_switch_point,
    length_prefixed,
    nal_type,
    parse_sps,
    plausible_fps,
)

Buffer = bytes | memoryview
TS_PACKET = 188
MAX_BOXES = 64
MAX_PES_BYTES = 16 * 1024  # of the first video PES: its first NAL units are all that is read
_TS_VIDEO = {0x1B: AVC, 0x24: HEVC}
_TS_AUDIO = {0x03: "mp4a.6B", 0x04: "mp4a.6B", 0x81: "ac-3", 0x87: "ec-3"}  # 0x0F: from ADTS
_AUDIO_TYPES = {0x0F, *_TS_AUDIO}
_MP4_VIDEO = {"avc1": AVC, "avc3": AVC, "hvc1": HEVC, "hev1": HEVC}
_MP4_AUDIO = {"ac-3": "ac-3", "ec-3": "ec-3", "Opus": "opus", "fLaC": "flac"}
NON_SYNC = 0x00010000  # sample_is_non_sync_sample in ISO/IEC 14496-12 sample flags


@dataclass
class SegmentHead:
    """What the start of a segment shows. ``switch_point``: its first picture is IDR/IRAP (True), is
    not (False), or could not be told (None); ``picture``: the NAL type that told it."""

    video: VideoFormat | None = None
    switch_point: bool | None = None
    picture: str | None = None
    fps: float | None = None  # the VUI's, else from the timestamps read
    audio: str | None = None  # the audio codec as CODECS spells it (mp4a.40.2…)


class _Sample(NamedTuple):
    flags: int | None  # ISO/IEC 14496-12 sample flags
    offset: int | None  # where its bytes start in the data read; None: not known
    size: int
    duration: int


@dataclass
class Init:
    """What an fMP4 init section (moov) declares, per track."""

    video_track: int | None = None
    codec: str | None = None  # AVC | HEVC
    nal_length: int = 4
    video: VideoFormat | None = None
    timescale: int = 0
    audio: str | None = None
    defaults: dict[int, tuple[int, int]] = field(default_factory=dict)  # track → (duration, flags) (trex)


# --- MPEG-TS ---------------------------------------------------------------------------------------
def _packets(data: bytes) -> Iterator[tuple[int, bool, memoryview]]:
    """(PID, payload_unit_start, payload) of each whole TS packet, from the first sync byte."""
    start = next((i for i in range(min(len(data), TS_PACKET)) if _synced(data, i)), None)
    if start is None:
        return
    view = memoryview(data)
    for at in range(start, len(data) - TS_PACKET + 1, TS_PACKET):
        if data[at] != 0x47:
            return
        pid = ((data[at + 1] & 0x1F) << 8) | data[at + 2]
        control = (data[at + 3] >> 4) & 3
        offset = 4 + (1 + data[at + 4] if control & 2 else 0)
        if control & 1 and offset < TS_PACKET:
            yield pid, bool(data[at + 1] & 0x40), view[at + offset : at + TS_PACKET]


def _synced(data: bytes, at: int) -> bool:
    return data[at] == 0x47 and (at + TS_PACKET >= len(data) or data[at + TS_PACKET] == 0x47)


def _section(payload: Buffer) -> Buffer:
    """A PSI section (after its pointer field), cut to its section_length."""
    if not payload:
        return b""
    section = payload[1 + payload[0] :]
    if len(section) < 3:
        return b""
    return section[: 3 + (((section[1] & 0x0F) << 8) | section[2])]


def _pmt_pid(section: Buffer) -> int | None:
    for at in range(8, len(section) - 4 - 3, 4):
        program, pid = struct.unpack_from(">HH", section, at)
        if program != 0:
            return pid & 0x1FFF
    return None


def _streams(section: Buffer) -> dict[int, int]:
    """PID → stream_type of a PMT section."""
    streams: dict[int, int] = {}
    if len(section) < 12:
        return streams
    at = 12 + (((section[10] & 0x0F) << 8) | section[11])
    while at + 5 <= len(section) - 4:
        kind, pid = section[at], struct.unpack_from(">H", section, at + 1)[0] & 0x1FFF
        info = struct.unpack_from(">H", section, at + 3)[0] & 0x0FFF
        streams[pid] = kind
        at += 5 + info
    return streams


def _pes(payload: Buffer) -> tuple[Buffer, int | None]:
    """(data, PTS) of a PES packet's start."""
    if len(payload) < 9 or payload[:3] != b"\x00\x00\x01":
        return b"", None
    header_end = 9 + payload[8]
    pts = None
    if payload[7] & 0x80 and len(payload) >= 14:
        p = payload[9:14]
        pts = ((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
    return payload[header_end:], pts


def read_ts(data: bytes) -> SegmentHead:
    head = SegmentHead()
    pmt: int | None = None
    streams: dict[int, int] = {}
    first = bytearray()  # the video PID's first PES
    first_done, pts = False, []
    for pid, start, payload in _packets(data):
        if pid == 0 and start and pmt is None:
            pmt = _pmt_pid(_section(payload))
        elif pid == pmt and start and not streams:
            streams = _streams(_section(payload))
        kind = streams.get(pid)
        if kind in _TS_VIDEO:
            if start:
                body, stamp = _pes(payload)
                first_done = first_done or bool(first)
                if not first_done:
                    first += body
                if stamp is not None:
                    pts.append(stamp)
            elif first and not first_done and len(first) < MAX_PES_BYTES:
                first += payload
        elif start and head.audio is None and kind is not None:
            head.audio = _ts_audio(kind, payload)
        if first_done and len(pts) >= 8 and (head.audio or not _AUDIO_TYPES & set(streams.values())):
            break  # all that is looked for was seen
    video = next((_TS_VIDEO[k] for k in streams.values() if k in _TS_VIDEO), None)
    if video is not None and first:
        _read_access_unit(head, video, list(annex_b(bytes(first))), None)
        head.fps = head.fps or _fps_from_pts(pts)
    return head


def _ts_audio(kind: int, payload: Buffer) -> str | None:
    if kind == 0x0F:  # ADTS: profile (2 bits) + 1 is the audio object type
        body, _ = _pes(payload)
        if len(body) >= 3 and body[0] == 0xFF and body[1] & 0xF0 == 0xF0:
            return f"mp4a.40.{(body[2] >> 6) + 1}"
        return None
    return _TS_AUDIO.get(kind)


def _fps_from_pts(pts: list[int]) -> float | None:
    """The frame rate from the smallest step between the presentation times read (90 kHz)."""
    ordered = sorted(set(pts))
    steps = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    return plausible_fps(90000 / min(steps)) if steps else None


def _read_access_unit(head: SegmentHead, codec: str, nals: list[bytes], video: VideoFormat | None) -> None:
    """The first picture's kind, and the SPS (from the stream, else ``video``: the init's)."""
    for nal in nals:
        kind = nal_type(codec, nal)
        if kind is None:
            continue
        if kind == (AVC_SPS if codec == AVC else HEVC_SPS) and head.video is None:
            with contextlib.suppress(Truncated):
                head.video = parse_sps(codec, nal)
        elif is_picture(codec, kind):
            head.switch_point = is_switch_point(codec, kind)
            head.picture = _picture_name(codec, kind)
            break
    head.video = head.video or video
    head.fps = head.video.fps if head.video is not None else None


def _picture_name(codec: str, kind: int) -> str:
    if codec == AVC:
        return "IDR" if kind == 5 else "non-IDR"
    names = {19: "IDR", 20: "IDR", 21: "CRA", 16: "BLA", 17: "BLA", 18: "BLA"}
    return names.get(kind, f"NAL type {kind}")


# --- fragmented MP4 --------------------------------------------------------------------------------
def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[str, int, int, int]]:
    """(name, box start, payload start, box end) of the boxes in data[start:end], at most MAX_BOXES;
    the last may end past the data read."""
    at = start
    for _ in range(MAX_BOXES):
        if at + 8 > min(end, len(data)):
            return
        size, name = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1 and at + 16 <= len(data):
            size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < header:
            return
        yield name.decode("latin-1"), at, at + header, at + size
        at += size


def _child(data: bytes, start: int, end: int, *path: str) -> tuple[int, int] | None:
    """(payload start, end) of the box at ``path`` under data[start:end], cut to the data read."""
    for name in path:
        found = next(((s, e) for n, _, s, e in _boxes(data, start, end) if n == name), None)
        if found is None:
            return None
        start, end = found[0], min(found[1], len(data))
    return start, end


def read_init(data: bytes) -> Init:
    """What the moov box in ``data`` declares (an empty Init when there is none)."""
    init = Init()
    moov = _child(data, 0, len(data), "moov")
    if moov is None:
        return init
    for name, _, start, end in _boxes(data, *moov):
        end = min(end, len(data))
        if name == "trak":
            _read_trak(init, data, start, end)
        elif name == "mvex":
            for child, _, s, _e in _boxes(data, start, end):
                if child == "trex" and s + 24 <= len(data):
                    track, _index, duration, _size, flags = struct.unpack_from(">IIIII", data, s + 4)
                    init.defaults[track] = (duration, flags)
    return init


def _read_trak(init: Init, data: bytes, start: int, end: int) -> None:
    tkhd = _child(data, start, end, "tkhd")
    stsd = _child(data, start, end, "mdia", "minf", "stbl", "stsd")
    mdhd = _child(data, start, end, "mdia", "mdhd")
    if tkhd is None or stsd is None or stsd[0] + 16 > len(data) or tkhd[0] + 24 > len(data):
        return
    track = struct.unpack_from(">I", data, tkhd[0] + (20 if data[tkhd[0]] == 1 else 12))[0]
    entry = next(_boxes(data, stsd[0] + 8, stsd[1]), None)
    if entry is None:
        return
    name, _, payload, entry_end = entry
    if name in _MP4_VIDEO and init.video_track is None:
        init.video_track, init.codec = track, _MP4_VIDEO[name]
        if mdhd is not None and mdhd[0] + 24 <= len(data):
            init.timescale = struct.unpack_from(">I", data, mdhd[0] + (20 if data[mdhd[0]] == 1 else 12))[0]
        _read_config(init, data, payload + 78, min(entry_end, len(data)))
    elif name == "mp4a" and init.audio is None:
        esds = _child(data, payload + 28, min(entry_end, len(data)), "esds")
        init.audio = _esds_codec(data[esds[0] + 4 : esds[1]]) if esds else None
    elif name in _MP4_AUDIO and init.audio is None:
        init.audio = _MP4_AUDIO[name]


def _read_config(init: Init, data: bytes, start: int, end: int) -> None:
    """avcC / hvcC: the NAL length size and the SPS."""
    for name, _, s, e in _boxes(data, start, end):
        config = data[s:e]
        sps = None
        if name == "avcC" and len(config) >= 6:
            init.nal_length = (config[4] & 3) + 1
            sps = _avcc_sps(config)
        elif name == "hvcC" and len(config) >= 23:
            init.nal_length = (config[21] & 3) + 1
            sps = _hvcc_sps(config)
        if sps is not None:
            with contextlib.suppress(Truncated):
                init.video = parse_sps(init.codec or AVC, sps)


def _avcc_sps(config: bytes) -> bytes | None:
    if config[5] & 0x1F and len(config) >= 8:
        length = struct.unpack_from(">H", config, 6)[0]
        return config[8 : 8 + length]
    return None


def _hvcc_sps(config: bytes) -> bytes | None:
    at = 23
    for _ in range(min(config[22], 16)):
        if at + 3 > len(config):
            return None
        kind, count = config[at] & 0x3F, struct.unpack_from(">H", config, at + 1)[0]
        at += 3
        for _ in range(min(count, 16)):
            if at + 2 > len(config):
                return None
            length = struct.unpack_from(">H", config, at)[0]
            if kind == HEVC_SPS:
                return config[at + 2 : at + 2 + length]
            at += 2 + length
    return None


def _esds_codec(esds: bytes) -> str | None:
    """mp4a.40.<audio object type> (or mp4a.<object type>) from an ES descriptor."""
    at = 0
    object_type = None
    for _ in range(8):
        if at + 2 > len(esds):
            return None
        tag, at, size = esds[at], *_descriptor_size(esds, at + 1)
        if tag == 0x03:
            flags = esds[at + 2] if at + 2 < len(esds) else 0
            at += 3 + (2 if flags & 0x80 else 0) + (2 if flags & 0x20 else 0)
            if flags & 0x40:
                at += 1 + (esds[at] if at < len(esds) else 0)
        elif tag == 0x04 and at < len(esds):
            object_type, at = esds[at], at + 13
        elif tag == 0x05 and object_type == 0x40 and at < len(esds):
            aot = esds[at] >> 3
            if aot == 31 and at + 1 < len(esds):
                aot = 32 + (((esds[at] & 7) << 3) | (esds[at + 1] >> 5))
            return f"mp4a.40.{aot}"
        else:
            at += size
    return f"mp4a.{object_type:02X}" if object_type is not None and object_type != 0x40 else None


def _descriptor_size(data: bytes, at: int) -> tuple[int, int]:
    size = 0
    for _ in range(4):
        if at >= len(data):
            break
        size, at = (size << 7) | (data[at] & 0x7F), at + 1
        if not data[at - 1] & 0x80:
            break
    return at, size


def read_fmp4(data: bytes, init: Init | None) -> SegmentHead:
    """The first sample of the video track of the first moof (the init's track; from ``data`` when it
    carries its own moov, as a single-file stream's first bytes do)."""
    if _child(data, 0, len(data), "moov") is not None:
        own = read_init(data)
        init = own if own.video_track is not None or init is None else init
    head = SegmentHead(audio=init.audio if init else None)
    if init is None or init.video_track is None or init.codec is None:
        return head
    head.video, head.fps = init.video, init.video.fps if init.video else None
    top = list(_boxes(data, 0, len(data)))
    moof = next(((s, p, e) for n, s, p, e in top if n == "moof"), None)
    if moof is None:
        return head
    mdats = [(p, e) for n, _, p, e in top if n == "mdat"]
    for name, _, start, end in _boxes(data, moof[1], min(moof[2], len(data))):
        if name == "traf":
            sample = _first_sample(data, moof[0], start, min(end, len(data)), init)
            if sample is not None:
                inside_mdat = any(p <= (sample.offset or -1) < e for p, e in mdats)
                _judge_sample(head, init, data, sample if inside_mdat else sample._replace(offset=None))
                return head
    return head


def _first_sample(data: bytes, moof: int, start: int, end: int, init: Init) -> _Sample | None:
    """The traf's first sample when it is the video track's. Its offset is known when the traf counts
    from its moof (not from a base_data_offset: an offset in a file whose start may not be read)."""
    tfhd = _child(data, start, end, "tfhd")
    trun = _child(data, start, end, "trun")
    if tfhd is None or trun is None or tfhd[0] + 8 > len(data) or trun[0] + 8 > len(data):
        return None
    tf_flags, track = (
        struct.unpack_from(">I", data, tfhd[0])[0] & 0xFFFFFF,
        struct.unpack_from(">I", data, tfhd[0] + 4)[0],
    )
    if track != init.video_track:
        return None
    duration, flags = init.defaults.get(track, (0, None))
    base, size, at = moof, 0, tfhd[0] + 8
    for bit, width in ((0x01, 8), (0x02, 4), (0x08, 4), (0x10, 4), (0x20, 4)):
        if tf_flags & bit:
            if at + width > len(data):
                return None
            value = int.from_bytes(data[at : at + width], "big")
            base = value if bit == 0x01 else base
            duration = value if bit == 0x08 else duration
            size = value if bit == 0x10 else size
            flags = value if bit == 0x20 else flags
            at += width
    sample = _trun_first(data, trun[0], base, size, duration, flags)
    return sample._replace(offset=None) if sample is not None and tf_flags & 0x01 else sample


def _trun_first(
    data: bytes, at: int, base: int, size: int, duration: int, flags: int | None
) -> _Sample | None:
    tr_flags, count = struct.unpack_from(">II", data, at)
    tr_flags &= 0xFFFFFF
    at += 8
    offset = base
    if tr_flags & 0x01:
        if at + 4 > len(data):
            return None
        offset, at = base + struct.unpack_from(">i", data, at)[0], at + 4
    if tr_flags & 0x04:
        if at + 4 > len(data):
            return None
        flags, at = struct.unpack_from(">I", data, at)[0], at + 4
    fields = [bit for bit in (0x100, 0x200, 0x400, 0x800) if tr_flags & bit]
    if count and at + 4 * len(fields) <= len(data):
        values = dict(zip(fields, struct.unpack_from(f">{len(fields)}I", data, at), strict=True))
        size = values.get(0x200, size)
        flags = values.get(0x400, flags) if not tr_flags & 0x04 else flags
    if tr_flags & 0x100:  # the shortest sample read: a variable frame rate's fastest
        step = 4 * len(fields)
        durations = [
            struct.unpack_from(">I", data, i)[0]
            for i in range(at, min(len(data) - 3, at + step * count), step)
        ]
        duration = min((d for d in durations if d), default=duration)
    return _Sample(flags, offset, size, duration)


def _judge_sample(head: SegmentHead, init: Init, data: bytes, sample: _Sample) -> None:
    if sample.offset is not None and sample.size:
        nals = list(length_prefixed(data[sample.offset : sample.offset + sample.size], init.nal_length))
        _read_access_unit(head, init.codec or AVC, nals, init.video)
    if head.switch_point is None and sample.flags is not None and sample.flags & NON_SYNC:
        # flags alone can only fail a sample: a muxer marks open-GOP I pictures as sync samples too
        head.switch_point, head.picture = False, "non-sync sample"
    if head.fps is None and sample.duration and init.timescale:
        head.fps = plausible_fps(init.timescale / sample.duration)


def read_head(data: bytes, init: Init | None = None) -> SegmentHead:
    """The start of a segment of either kind (an empty SegmentHead when it is neither)."""
    if data[:1] == b"\x47" or (len(data) > TS_PACKET and b"\x47" in data[:TS_PACKET]):
        head = read_ts(data)
        if head.video is not None or head.audio is not None or head.switch_point is not None:
            return head
    if len(data) >= 8 and data[4:8] in (b"styp", b"moof", b"sidx", b"ftyp", b"moov", b"free", b"emsg"):
        return read_fmp4(data, init)
    return SegmentHead()
