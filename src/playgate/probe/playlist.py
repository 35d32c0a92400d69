"""HLS playlist text → what the probe's checks read: one pass over the lines, in bounded memory.

``m3u8`` builds an object per segment and per variant (a 100,000-segment playlist took seconds and about
100 MiB) and raises on the first bad number. This reads the tags the checks use with the same line rules
(``str.splitlines``, stripped lines, ``m3u8``'s attribute lists), keeps the first ``MAX_VARIANTS`` variants
and renditions and, of the segments, only those a sample picks (their places and numbers are held in
arrays until the count is known). A tag the checks read whose value is not a usable number is a
``problem`` naming the line; ``m3u8`` raises on the same lines (tests/probe/test_probe_playlist_parser.py
holds the two equal), and also refuses what it accepts but a player cannot use: an EXTINF or
TARGETDURATION that is negative or infinite, an EXT-X-MAP without URI, master and media tags mixed, a
master without variants.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar

MAX_VARIANTS = 64
MAX_SEGMENTS = 100_000
MAX_PROBLEMS = 5
STOP_EVERY = 4096  # lines between two questions to ``stop``
N = TypeVar("N", int, float)  # what a number in a playlist is cast to
# str.splitlines' line boundaries (m3u8 splits with it); empty lines are skipped like m3u8 skips them
_LINE = re.compile(r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_ATTRIBUTES = re.compile(r"""((?:[^,"']|"[^"]*"|'[^']*')+)""")  # m3u8's ATTRIBUTELISTPATTERN


@dataclass
class Variant:
    uri: str
    attributes: frozenset[str]  # the names EXT-X-STREAM-INF gave (upper case)
    bandwidth: int | None = None
    average_bandwidth: int | None = None
    resolution: tuple[int, int] | None = None
    codecs: str | None = None
    audio: str | None = None
    frame_rate: float | None = None


@dataclass
class Rendition:  # EXT-X-MEDIA
    uri: str | None
    type: str | None
    group_id: str | None


@dataclass
class Segment:
    uri: str | None  # None: a last EXTINF without its URI line
    duration: float | None  # None: no (usable) EXTINF
    byterange: tuple[int, int] | None  # (offset, length), the offset carried on from the previous range
    index: int
    init_uri: str | None = None  # the EXT-X-MAP in force


@dataclass
class Playlist:
    is_variant: bool = False
    target_duration: int | None = None
    playlist_type: str | None = None
    endlist: bool = False
    variants: list[Variant] = field(default_factory=list)  # the first MAX_VARIANTS
    variant_count: int = 0
    renditions: list[Rendition] = field(default_factory=list)  # the first MAX_VARIANTS with a URI
    rendition_count: int = 0
    segments: list[Segment] = field(default_factory=list)  # the sampled ones, in playlist order
    segment_count: int = 0
    durations: array = field(default_factory=lambda: array("d"))  # every segment's, NaN when unknown
    byterange_bytes: int | None = None  # the sum of every segment's EXT-X-BYTERANGE, when each has one
    start_date: float | None = None  # the first segment's EXT-X-PROGRAM-DATE-TIME (Unix seconds), if read
    problems: list[str] = field(default_factory=list)  # the first MAX_PROBLEMS
    problem_count: int = 0
    stopped: bool = False  # ``stop`` ended the reading before the end of the text

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


def parse(text: str, sample: Callable[[int], list[int]], stop: Callable[[], bool] | None = None) -> Playlist:
    """The playlist; ``sample(count)`` picks which segment indices to keep (at most MAX_SEGMENTS counted).

    ``stop()`` is asked every few thousand lines: when it says so (the deadline), reading ends there and
    the playlist comes back with ``stopped`` set."""
    reader = _Reader(text)
    reader.read(stop)
    return reader.finish(sample)


class _Reader:
    """m3u8's parser state machine, for the tags the checks read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = Playlist()
        # the segment an EXTINF or BYTERANGE began, until its URI line
        self.pending = False
        self.duration: float | None = None
        self.byterange_text: str | None = None
        self.expect_segment = False
        self.stream_inf: dict[str, str] | None = None
        self.map_at = -1  # where the EXT-X-MAP in force starts in the text
        self.at = 0  # where the line being read starts
        self.range_end = 0
        # per counted segment, until the sample is known: where its URI and MAP lines start, its range
        self.uri_at = array("q")
        self.maps_at = array("q")
        self.ranges = array("q")  # offset, length pairs; -1, -1 for none

    def read(self, stop: Callable[[], bool] | None) -> None:
        """Every line, the two a segment takes (EXTINF, its URI) on the short path."""
        for n, match in enumerate(_LINE.finditer(self.text)):
            if not n % STOP_EVERY and stop is not None and stop():
                self.out.stopped = True
                return
            line = match.group().strip()
            if not line:
                continue
            self.at = match.start()
            if line[0] != "#":
                if self.expect_segment:
                    self._segment(self.at)
                elif self.stream_inf is not None:
                    self._variant(line)
            elif line.startswith("#EXTINF:"):
                self.extinf(line)
            else:
                handler = _TAGS.get(line.split(":", 1)[0])
                if handler is not None:
                    handler(self, line)

    # --- media playlists ----------------------------------------------------------------------------
    def extinf(self, line: str) -> None:
        text = line.replace("#EXTINF:", "").split(",", 1)[0]
        duration = _DURATIONS.get(text)  # most playlists repeat a few durations
        if duration is None:
            duration = _number(self, line, text, float, "a finite duration ≥ 0 s")
        self.pending, self.duration = True, duration
        self.expect_segment = True

    def byterange(self, line: str) -> None:
        self.pending, self.byterange_text = True, line.replace("#EXT-X-BYTERANGE:", "")
        self.expect_segment = True

    def target_duration(self, line: str) -> None:
        value = _value(self, line)
        if value is not None:
            self.out.target_duration = _number(
                self, line, value.strip(), int, "a whole number of seconds ≥ 0"
            )

    def playlist_type(self, line: str) -> None:
        value = _value(self, line)
        if value is not None:
            self.out.playlist_type = value.strip().lower()

    def integer(self, line: str) -> None:  # EXT-X-VERSION, -MEDIA-SEQUENCE…: m3u8 raises on a bad one
        value = _value(self, line)
        if value is not None:
            _number(self, line, value.strip(), int, "a whole number", negative=True)

    def endlist(self, line: str) -> None:
        self.out.endlist = True

    def program_date_time(self, line: str) -> None:
        """Only the first segment's, to place the playlist in time (one that does not read is left out:
        m3u8's ISO 8601 reader and Python's differ on the edges)."""
        if self.out.segment_count or self.out.start_date is not None:
            return
        try:
            text = line.split(":", 1)[1].strip()
            date = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
            self.out.start_date = (date if date.tzinfo else date.replace(tzinfo=timezone.utc)).timestamp()
        except (IndexError, ValueError, OverflowError):  # OverflowError: before year 1 in UTC
            return

    def map(self, line: str) -> None:
        self.map_at = self.at
        attributes = _attribute_list("#EXT-X-MAP", line)
        if _unquoted(attributes.get("URI")) is None:
            self.out.problem(f"line {_cut(line)!r}: EXT-X-MAP has no URI")
        elif set(attributes) - {"URI", "BYTERANGE"}:
            self.out.problem(f"line {_cut(line)!r}: EXT-X-MAP has attributes other than URI and BYTERANGE")

    def _segment(self, start: int) -> None:
        self.expect_segment = False
        self._count(start, self.map_at)

    def _count(self, uri_at: int, map_at: int) -> None:
        out = self.out
        duration, text = self.duration, self.byterange_text
        self.pending, self.duration, self.byterange_text = False, None, None
        out.segment_count += 1
        if out.segment_count > MAX_SEGMENTS:
            return
        out.durations.append(math.nan if duration is None else duration)
        self.uri_at.append(uri_at)
        self.maps_at.append(map_at)
        byterange = None if text is None else _byterange(text, self.range_end)
        if byterange is not None:
            self.range_end = byterange[0] + byterange[1]
        self.ranges.extend(byterange or _NO_RANGE)

    # --- master playlists ---------------------------------------------------------------------------
    def stream_inf_tag(self, line: str) -> None:
        self.out.is_variant = True
        self.stream_inf = _attribute_list("#EXT-X-STREAM-INF", line)
        whole: tuple[tuple[str, Callable[[str], int]], ...] = (
            ("BANDWIDTH", _bandwidth),
            ("AVERAGE-BANDWIDTH", int),
            ("PROGRAM-ID", int),
        )
        for name, kind in whole:
            if name in self.stream_inf:
                _number(self, line, self.stream_inf[name], kind, "a whole number", negative=True)
        if "FRAME-RATE" in self.stream_inf:
            _number(self, line, self.stream_inf["FRAME-RATE"], float, "a number", negative=True)

    def media(self, line: str) -> None:
        attributes = _attribute_list("#EXT-X-MEDIA", line)
        uri = _unquoted(attributes.get("URI"))
        if not uri:
            return
        self.out.rendition_count += 1
        if len(self.out.renditions) < MAX_VARIANTS:
            group = _unquoted(attributes.get("GROUP-ID"))
            self.out.renditions.append(Rendition(uri, attributes.get("TYPE"), group))

    def _variant(self, uri: str) -> None:
        attributes, self.stream_inf = self.stream_inf or {}, None
        self.out.variant_count += 1
        resolution = _resolution(attributes.get("RESOLUTION"))
        if resolution is False:
            self.out.problem(f"the variant {_cut(uri)!r}: RESOLUTION is not WIDTHxHEIGHT")
        if len(self.out.variants) >= MAX_VARIANTS:
            return
        bandwidth = _quiet(attributes.get("BANDWIDTH"), _bandwidth)
        self.out.variants.append(
            Variant(
                uri,
                frozenset(attributes),
                bandwidth,
                _quiet(attributes.get("AVERAGE-BANDWIDTH"), int),
                resolution if isinstance(resolution, tuple) else None,
                _unquoted(attributes.get("CODECS")),
                _unquoted(attributes.get("AUDIO")),
                _quiet(attributes.get("FRAME-RATE"), float),
            )
        )

    # --- the end ------------------------------------------------------------------------------------
    def finish(self, sample: Callable[[int], list[int]]) -> Playlist:
        if self.pending:  # an EXTINF (or BYTERANGE) with no URI line after it
            self._count(-1, -1)
        out = self.out
        if out.is_variant and out.segment_count:  # RFC 8216 4.1: a playlist is one or the other
            out.problem("mixes master tags (EXT-X-STREAM-INF) with media segments (EXTINF)")
        if out.is_variant and not out.variant_count:
            out.problem("no EXT-X-STREAM-INF is followed by a URI line: the master lists no variant")
        lengths = self.ranges[1::2]
        if lengths and out.segment_count <= MAX_SEGMENTS and min(lengths) >= 0:
            out.byterange_bytes = sum(lengths)
        for i in sample(min(out.segment_count, MAX_SEGMENTS)):
            offset, length = self.ranges[2 * i], self.ranges[2 * i + 1]
            duration = out.durations[i]
            out.segments.append(
                Segment(
                    self._line_at(self.uri_at[i]),
                    None if math.isnan(duration) else duration,
                    None if offset < 0 else (offset, length),
                    i,
                    self._map_uri(self.maps_at[i]),
                )
            )
        return out

    def _line_at(self, start: int) -> str | None:
        if start < 0:
            return None
        match = _LINE.match(self.text, start)
        return match.group().strip() if match else ""

    def _map_uri(self, start: int) -> str | None:
        line = self._line_at(start)
        return None if line is None else _unquoted(_attribute_list("#EXT-X-MAP", line).get("URI"))


_DURATIONS = {f"{n}{tail}": float(n) for n in range(1, 13) for tail in ("", ".0", ".000", ".000000")}
_NO_RANGE = (-1, -1)
_TAGS: dict[str, Callable[[_Reader, str], None]] = {
    "#EXTINF": _Reader.extinf,
    "#EXT-X-BYTERANGE": _Reader.byterange,
    "#EXT-X-TARGETDURATION": _Reader.target_duration,
    "#EXT-X-PLAYLIST-TYPE": _Reader.playlist_type,
    "#EXT-X-VERSION": _Reader.integer,
    "#EXT-X-MEDIA-SEQUENCE": _Reader.integer,
    "#EXT-X-DISCONTINUITY-SEQUENCE": _Reader.integer,
    "#EXT-X-ENDLIST": _Reader.endlist,
    "#EXT-X-PROGRAM-DATE-TIME": _Reader.program_date_time,
    "#EXT-X-MAP": _Reader.map,
    "#EXT-X-STREAM-INF": _Reader.stream_inf_tag,
    "#EXT-X-MEDIA": _Reader.media,
}


# --- values ----------------------------------------------------------------------------------------
def _value(reader: _Reader, line: str) -> str | None:
    if ":" not in line:
        reader.out.problem(f"line {_cut(line)!r}: no value after the tag")
        return None
    return line.split(":", 1)[1]


def _number(
    reader: _Reader, line: str, text: str, kind: Callable[[str], N], what: str, negative: bool = False
) -> N | None:
    """The number, or None with a problem: not a number, or (unless ``negative``) below 0 or infinite."""
    value = _quiet(text, kind)
    if value is None or (not negative and (value < 0 or not math.isfinite(value))):
        reader.out.problem(f"line {_cut(line)!r}: {_cut(text, 24)!r} is not {what}")
        return None
    return value


def _quiet(text: str | None, kind: Callable[[str], N]) -> N | None:
    """``kind(text)`` as m3u8 casts it, or None when that raises."""
    if text is None:
        return None
    try:
        return kind(text)
    except (ValueError, OverflowError):  # also an integer of more than 4,300 digits
        return None


def _bandwidth(text: str) -> int:
    """As m3u8 casts BANDWIDTH: int(float(x))."""
    return int(float(text))


def _byterange(text: object, previous_end: int) -> tuple[int, int] | None:
    if not isinstance(text, str) or not text:
        return None
    length, _, offset = text.partition("@")
    start, size = _quiet(offset, int) if offset else previous_end, _quiet(length, int)
    if start is None or size is None or start < 0 or size < 0 or start + size >= 2**62:
        return None
    return int(start), int(size)


def _resolution(text: str | None) -> tuple[int, int] | bool | None:
    """(width, height); None when absent; False when it is not two whole numbers."""
    if text is None:
        return None
    values = text.strip('"').split("x")
    width, height = _quiet(values[0], int), _quiet(values[1], int) if len(values) > 1 else None
    return False if width is None or height is None else (int(width), int(height))


def _attribute_list(prefix: str, line: str) -> dict[str, str]:
    """Name → raw value, as m3u8 splits an attribute list (a later name wins)."""
    if not line.startswith(prefix + ":"):
        return {}
    attributes = {}
    for param in _ATTRIBUTES.split(line.replace(prefix + ":", ""))[1::2]:
        name, _, value = param.partition("=") if "=" in param else ("", "", param)
        attributes[name.strip().upper().replace("_", "-")] = value
    return attributes


def _unquoted(value: str | None) -> str | None:
    if value is not None and value.startswith(('"', "'")) and value.endswith(('"', "'")):
        return value[1:-1]
    return value


def _cut(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
