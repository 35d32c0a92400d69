"""Progressive MP4 / FLV: reachable, and for MP4 whether ``moov`` comes before ``mdat``.

Only box headers are read, with ranged GETs: the first 64 KiB, then 16 bytes at each following box
until ``moov`` or ``mdat`` shows up (at most ``MAX_BOXES``). Nothing is downloaded whole.
"""

from __future__ import annotations

import struct

from playgate.probe.context import RANGE_PROBE_BYTES, ProbeContext
from playgate.probe.fetch import Response, public_url
from playgate.probe.results import StreamFacts

MAX_BOXES = 32
_HEADER = 16


def probe_progressive(ctx: ProbeContext, url: str, first: Response, kind: str) -> StreamFacts:
    """``first`` is the answer to a ranged GET of the file's first bytes."""
    if kind == "mp4":
        _faststart(ctx, url, first)
    return StreamFacts(kind=kind)


def _faststart(ctx: ProbeContext, url: str, first: Response) -> None:
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
                return  # unreachable is already recorded; a server without ranges cannot be walked cheaply
            data, base = response.body, offset
        header = data[offset - base : offset - base + _HEADER]
        if len(header) < 8:
            break
        size, box = struct.unpack(">I4s", header[:8])
        if size == 1 and len(header) >= 16:
            size = struct.unpack(">Q", header[8:16])[0]
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
            return
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


def sniff(body: bytes) -> str | None:
    """The kind of a response by its first bytes, or None."""
    head = body[:64].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"#EXTM3U"):
        return "hls"
    if head.startswith(b"FLV"):
        return "flv"
    if len(body) >= 8 and body[4:8] in (b"ftyp", b"moov", b"free", b"mdat", b"wide", b"skip"):
        return "mp4"
    if b"<MPD" in body[:2048] or head.lstrip().startswith(b"<?xml"):
        return "dash"
    return None


__all__ = ["RANGE_PROBE_BYTES", "probe_progressive", "sniff"]
