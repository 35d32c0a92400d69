"""What ffmpeg says of the picture's colour: the stream's description, and HDR10's metadata.

The colour description (range, matrix, primaries, transfer) is on the input's video stream line,
``yuv420p10le(tv, bt2020nc/bt2020/smpte2084, progressive)``: one name when all three are the same
(``yuv420p(tv, bt709)``). Mastering-display (SMPTE ST 2086) and content light level metadata come in
the container (mp4 ``mdcv``/``clli``, Matroska: the stream's "Side data:" lines) or in HEVC SEI
messages, which reach decoded frames: showinfo prints one key frame's side data (``CHAIN``, a video
output of the decode's own pass). A key frame, not the first frame: after a seek into a TS the first
pictures can come before the key frame that carries the SEI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHAIN = "select=key,trim=end_frame=1,showinfo@hdr"  # one key frame; the others stop at select
PQ, HLG = "smpte2084", "arib-std-b67"
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: ")
_PIXELS = re.compile(r", [a-z][a-z0-9_]*\((?P<detail>[^)]*)\)")
_MASTERING = re.compile(r"mastering display", re.IGNORECASE)
_LIGHT = re.compile(r"content light level", re.IGNORECASE)
_RANGES = ("tv", "pc")
_FIELDS = ("progressive", "top first", "bottom first", "top coded first", "bottom coded first")


@dataclass
class Colour:
    """The first video stream's colour description (None: unspecified) and the HDR metadata found."""

    range: str | None = None
    matrix: str | None = None
    primaries: str | None = None
    transfer: str | None = None
    mastering_display: bool = False
    content_light_level: bool = False
    key_frame_seen: bool = False  # showinfo printed a key frame: its side data, if any, was seen

    @property
    def dynamic_range(self) -> str:
        """PQ, HLG or SDR, as a player reads the transfer (unspecified is SDR)."""
        return {PQ: "PQ", HLG: "HLG"}.get(self.transfer or "", "SDR")


def read_colour(stderr: str) -> Colour:
    colour = Colour()
    header, in_video, seen_video = True, False, False
    for line in stderr.splitlines():
        if "[showinfo@hdr @ " in line:
            _frame_line(colour, line)
        elif not header:
            continue
        elif "Stream mapping:" in line or "] Output #" in line or line.startswith("Output #"):
            header = False
        elif " Stream #" in line:
            in_video = not seen_video and bool(_VIDEO.search(line)) and "(attached pic)" not in line
            if in_video:
                seen_video = True
                _description(colour, line)
        elif in_video:
            _side_data(colour, line)
    return colour


def _frame_line(colour: Colour, line: str) -> None:
    if " iskey:1 " in line:
        colour.key_frame_seen = True
    _side_data(colour, line)


def _side_data(colour: Colour, line: str) -> None:
    colour.mastering_display |= bool(_MASTERING.search(line))
    colour.content_light_level |= bool(_LIGHT.search(line))


def _description(colour: Colour, line: str) -> None:
    found = _PIXELS.search(line.split(": Video: ", 1)[1])
    for item in found["detail"].split(", ") if found else []:
        names = item.split("/")
        if item in _RANGES:
            colour.range = item
        elif len(names) == 3:
            colour.matrix, colour.primaries, colour.transfer = (_name(n) for n in names)
        elif not item.startswith(_FIELDS) and " " not in item:
            colour.matrix = colour.primaries = colour.transfer = _name(item)


def _name(text: str) -> str | None:
    return None if text in ("unknown", "reserved", "") else text
