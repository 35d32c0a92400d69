"""Progressive MP4 / FLV: reachable, and for MP4 whether ``moov`` comes before ``mdat``.

Only box headers are read, with ranged GETs: the first 64 KiB, then 16 bytes at each following box
until ``moov`` or ``mdat`` shows up (at most ``MAX_BOXES``). Nothing is downloaded whole. When ``moov``
starts within the first read, what it declares there is kept for ``rendition-matches-play-info``: the
video track's width and height (tkhd) and the average bit rate (file size × 8 / mvhd duration).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from playgate.probe.context import RANGE_PROBE_BYTES, ProbeContext
from playgate.probe.fetch import Response, public_url
from playgate.probe.results import StreamFacts

MAX_BOXES = 32
_HEADER = 16
_LOOKS = {"hls": "an HLS playlist", "dash": "a DASH MPD", "mp4": "an MP4", "flv": "an FLV"}
# boxes an ISO BMFF / QuickTime file can start with
_FIRST_BOXES = (
    b"ftyp",
    b"moov",
    b"free",
    b"mdat",
    b"wide",
    b"skip",
    b"styp",
    b"sidx",
    b"uuid",
    b"pdin",
    b"pnot",
)


def probe_progressive(ctx: ProbeContext, url: str, first: Response, kind: str) -> StreamFacts:
    """``first`` is the answer to a ranged GET of the file's first bytes."""
    facts = StreamFacts(kind=kind)
    if not _is_media(ctx, url, first, kind):
        return facts
    if kind == "mp4":
        moov = _faststart(ctx, url, first)
        if moov is not None:
            _read_moov(facts, first.body, moov, first.size())
    return facts


def _is_media(ctx: ProbeContext, url: str, first: Response, kind: str) -> bool:
    """Records ``file-is-media``: an error page or a text file served as a video is not the video."""
    check = "file-is-media"
    ctx.results.ran(check, ctx.subject)
    found = sniff(first.body)
    if found == kind:
        return True
    where = public_url(url)
    content_type = first.headers.get("content-type", "")
    what = f"those of {_LOOKS[found]}" if found else "of no media format the probe knows"
    what += f" (Content-Type: {content_type or 'none'})"
    ctx.results.problem(
        check,
        ctx.subject,
        actual={"url": where, "content_type": content_type or None, "found": found or "unknown"},
        expected=f"the first bytes of {_LOOKS[kind]}",
        message=f"{where} is not {_LOOKS[kind]}: its first bytes are {what}",
    )
    return False


def _faststart(ctx: ProbeContext, url: str, first: Response) -> tuple[int, int] | None:
    """Records the check; returns (payload start, end) of a moov box that starts in ``first``."""
    check = "mp4-faststart"
    where = public_url(url)
    total = first.size()
    data, base = first.body, 0
    offset = 0
    for _ in range(MAX_BOXES):
        if total is not None and offset >= total:
            break
        if offset + 8 > base + len(data):  # the header is past what was read: fetch it
            response = ctx.fetch(
                url, byte_range=(offset, offset + _HEADER - 1), max_bytes=_HEADER, truncate=True
            )
            if response is None or response.status != 206:
                return (
                    None  # unreachable is already recorded; a server without ranges cannot be walked cheaply
                )
            data, base = response.body, offset
        header = data[offset - base : offset - base + _HEADER]
        if len(header) < 8:
            break
        size, box = struct.unpack(">I4s", header[:8])
        header_size = 8
        if size == 1 and len(header) >= 16:
            size, header_size = struct.unpack(">Q", header[8:16])[0], 16
        elif size == 0:  # the box runs to the end of the file
            size = (total - offset) if total is not None else 0
        name = box.decode("latin-1")
        if name in ("moov", "mdat"):
            ctx.results.ran(check, ctx.subject)
            if name == "mdat":
                ctx.results.problem(
                    check,
                    ctx.subject,
                    actual={"url": where, "mdat_at": offset, "first": "mdat"},
                    expected="moov before mdat",
                    message=(
                        f"{where} keeps its moov atom after mdat: playback waits for the whole download "
                        "(remux with 'ffmpeg -movflags +faststart')"
                    ),
                )
                return None
            return (offset + header_size, offset + size) if base == 0 else None
        if size < 8:
            break
        offset += size
    ctx.results.ran(check, ctx.subject)
    ctx.results.problem(
        check,
        ctx.subject,
        actual={"url": where, "problem": "no moov or mdat box found"},
        expected="moov before mdat",
        message=f"{where}: no moov or mdat box in the first {MAX_BOXES} boxes; is it an MP4?",
    )
    return None


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(name, payload start, end) of the boxes in data[start:end] whose headers were read."""
    position = start
    while position + 8 <= min(end, len(data)):
        size, name = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1 and position + 16 <= len(data):
            size, header = struct.unpack(">Q", data[position + 8 : position + 16])[0], 16
        elif size == 0:
            size = end - position
        if size < header:
            return
        yield name.decode("latin-1"), position + header, position + size
        position += size


def _read_moov(facts: StreamFacts, data: bytes, moov: tuple[int, int], total: int | None) -> None:
    """What moov declares, from the part of it that was read (boxes cut off are skipped)."""
    seconds = None
    for name, start, end in _boxes(data, *moov):
        if name == "mvhd" and start + 32 <= end <= len(data):
            if data[start] == 1:  # version 1: 64-bit times
                timescale, duration = struct.unpack_from(">IQ", data, start + 20)
            else:
                timescale, duration = struct.unpack_from(">II", data, start + 12)
            seconds = duration / timescale if timescale else None
        elif name == "trak" and facts.width is None:
            for child, child_start, child_end in _boxes(data, start, end):
                at = child_start + (88 if child_start < len(data) and data[child_start] == 1 else 76)
                if child == "tkhd" and at + 8 <= child_end <= len(data):
                    width, height = struct.unpack_from(">II", data, at)
                    if width and height:  # audio tracks declare 0 x 0
                        facts.width, facts.height = width >> 16, height >> 16
    if seconds and total:
        facts.measured_average_bps = total * 8 / seconds


def sniff(body: bytes) -> str | None:
    """The kind of a response by its first bytes, or None."""
    head = body[:64].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"#EXTM3U"):
        return "hls"
    if head.startswith(b"FLV"):
        return "flv"
    if len(body) >= 8 and body[4:8] in _FIRST_BOXES:
        return "mp4"
    if b"<MPD" in body[:2048] or head.lstrip().startswith(b"<?xml"):
        return "dash"
    return None


__all__ = ["RANGE_PROBE_BYTES", "probe_progressive", "sniff"]
