"""The corpus's signalling and against-the-source clips (see defects.py).

HDR: the reference encoded with x265 in 10 bits, its stream tagged HDR10 (BT.2020 primaries, PQ
transfer), with or without the mastering-display and content light level SEI. Only the clip without
the metadata is a defect the cross-table can show by itself; a stream whose transfer differs from what
ICE declares needs the declaration, so test_decode_hdr_signalling.py decodes those with one.

Against the source: ``source(folder)`` is a near-lossless 960x540 master of the same scene, and
``rendition(folder, name, chain)`` a 640x360 x264 encode of it through ``chain`` (a fair one scales
it, the defects crop it, stretch its range or scale it with a point scaler). They need the source
beside them, so test_decode_against_source.py runs them rather than the cross-table.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

from defects import AAC, X264, Defect, clip, ffmpeg

HDR10_TAGS = [
    "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
]  # fmt: skip
X265_TAGS = "colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc"
MASTERING = (
    "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400"
)


def x265(params: str) -> list[str]:
    return ["-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-g", "50",
            "-x265-params", f"log-level=error:keyint=50:{X265_TAGS}{params}", *HDR10_TAGS, *AAC]  # fmt: skip


def hdr10(folder: Path) -> Path:
    """HDR10 as it should be: PQ, BT.2020, with mastering-display and content light level SEI."""
    return clip(folder, "hdr10", encode=x265(f":hdr10=1:repeat-headers=1:{MASTERING}"))


def hdr10_bare(folder: Path) -> Path:
    return clip(folder, "hdr10-bare", encode=x265(""))


def hdr10_in_ts(folder: Path) -> Path:
    """The good HDR10 clip in MPEG-TS, as HLS segments carry it: the metadata only in SEI."""
    return clip(folder, "hdr10-ts", encode=x265(f":hdr10=1:repeat-headers=1:{MASTERING}"), suffix=".ts")


def hdr10_in_boxes(folder: Path) -> Path:
    """The clip without SEI, its metadata in the mp4 sample entry's ``mdcv`` and ``clli`` boxes instead (as
    packagers write it): ffmpeg lists them under the stream's "Side data:"."""
    out = folder / "hdr10-boxes.mp4"
    if not out.exists():
        out.write_bytes(_with_hdr_boxes(hdr10_bare(folder).read_bytes()))
    return out


def _with_hdr_boxes(mp4: bytes) -> bytes:
    """``mdcv`` (BT.2020 primaries, D65, 0.0001–1000 cd/m²) and ``clli`` (1000, 400) appended to the HEVC
    sample entry, and every box around it grown to match. The moov box follows mdat (ffmpeg's default),
    so no chunk offset moves."""
    data = bytearray(mp4)
    mdcv = struct.pack(
        ">I4s8HII", 32, b"mdcv", 8500, 39850, 6550, 2300, 35400, 14600, 15635, 16450, 10_000_000, 1
    )
    extra = mdcv + struct.pack(">I4sHH", 12, b"clli", 1000, 400)
    grown, start, end = [], 0, len(data)
    for kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"hev1"):
        at = _box(data, kind, start, end)
        grown.append(at)
        size = struct.unpack_from(">I", data, at)[0]
        start, end = at + (16 if kind == b"stsd" else 8), at + size  # stsd: version, flags, entry count
    data[end:end] = extra
    for at in grown:
        struct.pack_into(">I", data, at, struct.unpack_from(">I", data, at)[0] + len(extra))
    return bytes(data)


def _box(data: bytearray, kind: bytes, start: int, end: int) -> int:
    while start < end:
        size, found = struct.unpack_from(">I4s", data, start)
        if found == kind:
            return start
        start += size
    raise AssertionError(f"no {kind!r} box where expected")


def source(folder: Path) -> Path:
    """The master the renditions are made from: 960x540, x264 at CRF 12 (near-lossless)."""
    encode = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "12", "-g", "50", "-pix_fmt", "yuv420p", *AAC]
    return clip(folder, "source", size=(960, 540), encode=encode)


def rendition(folder: Path, name: str, chain: str, encode: tuple[str, ...] = ()) -> Path:
    """A 640x360 rendition of ``source`` made through the filter ``chain``, x264 (as the reference)."""
    out = folder / f"{name}.mp4"
    if not out.exists():
        argv = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source(folder)),
                "-vf", chain, *X264, *encode, "-c:a", "copy", str(out)]  # fmt: skip
        subprocess.run(argv, check=True, capture_output=True, timeout=180)
    return out


# name → (how it was made, its filter chain, encoder options): a fair one, then each defect
RENDITIONS = {
    "fair": ("the source scaled to 640x360 (bicubic) and encoded with x264 at CRF 20", "scale=640:360", ()),
    "fair-starved": (
        "the source scaled to 640x360 and encoded at 300 kb/s",
        "scale=640:360",
        ("-b:v", "300k", "-maxrate", "300k", "-bufsize", "600k"),
    ),
    "cropped": (
        "a tenth cropped off each side, scaled back to 640x360",
        "crop=iw*0.9:ih*0.9,scale=640:360",
        (),
    ),
    "point-scaled": (
        "scaled to 320x180 and back to 640x360 with the point (neighbor) scaler",
        "scale=320:180:flags=neighbor,scale=640:360:flags=neighbor",
        (),
    ),
    "full-range-as-limited": (
        "its pixels stretched to full range, flagged limited range",
        "scale=640:360:out_range=full,setparams=range=tv",
        ("-color_range", "tv"),
    ),
    "limited-range-as-full": (
        "its limited-range pixels flagged full range",
        "scale=640:360,setparams=range=pc",
        ("-color_range", "pc"),
    ),
}

DEFECTS: list[Defect] = [
    Defect(
        "hdr10-without-metadata",
        "the reference in x265 10 bits tagged HDR10 (BT.2020, PQ) without mastering-display and content "
        "light level SEI",
        frozenset({"video-hdr-signalling"}),
        hdr10_bare,
    ),
]
