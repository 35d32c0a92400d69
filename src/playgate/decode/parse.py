"""Reading what ffmpeg printed: the filters' results, the decoded streams, and the decode errors.

ffmpeg runs with ``-loglevel repeat+level+info`` (every line tagged with its level) and ``-progress
pipe:1`` (frame count and decoded time on stdout). Times are relative to the window's start. ffmpeg's
decoded time follows whichever stream runs longest, so the video's own time comes from the clock
output (command.py): its first and last frame. The input's description (duration, the video stream's
declared size and rate) and the outputs (is there video, how many audio tracks) come from ffmpeg's own
header lines, so no ffprobe run is needed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from playgate.decode.colour import Colour, read_colour
from playgate.decode.sound import TrackSound, read_ebur128, read_levels, read_summary

_LINE = re.compile(r"^(?P<ctx>(?:\[[^\]]*? @ 0x[0-9a-f]+\] )*)\[(?P<level>[a-z]+)\] (?P<msg>.*)$")
_CTX = re.compile(r"\[([^\]]*?) @ 0x[0-9a-f]+\]")
_BLACK = re.compile(r"black_start:\s*(?P<start>[-\d.]+)\s+black_end:\s*(?P<end>[-\d.]+)")
_FREEZE = re.compile(r"lavfi\.freezedetect\.freeze_(?P<edge>start|end): (?P<t>[-\d.]+)")
_SILENCE = re.compile(r"lavfi\.silence_(?P<edge>start|end)=(?P<t>[-\d.]+)")
_LOUDNESS = re.compile(r"^\s*I:\s+(?P<lufs>[-\d.]+) LUFS")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: .*?, (?P<w>\d+)x(?P<h>\d+)")
_AUDIO = re.compile(r"Stream #\d+:\d+.*?: Audio: [^,]+, \d+ Hz, (?P<layout>[^,]+)")
_RATE = re.compile(r", (?P<n>[\d.]+)(?P<k>k?) (?:fps|tbr)\b")
_PICTURE_TIME = re.compile(r"^frame:\d+\s+pts:\S+\s+pts_time:(?P<t>\S+)")
_PRINTED = re.compile(r"^lavfi\.[\w.]+=(?P<value>\S+)")
_CROP = re.compile(r"x1:(?P<x1>-?\d+) x2:(?P<x2>-?\d+) y1:(?P<y1>-?\d+) y2:(?P<y2>-?\d+)")
_DURATION = re.compile(r"^\s*Duration: (?P<h>\d+):(?P<m>\d\d):(?P<s>[\d.]+)")
_LAYOUTS = {
    "mono": 1, "stereo": 2, "downmix": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4,
    "quad(side)": 4, "3.1": 4, "4.1": 5, "5.0": 5, "5.0(side)": 5, "5.1": 6, "5.1(side)": 6, "6.0": 6,
    "6.0(front)": 6, "hexagonal": 6, "6.1": 7, "6.1(back)": 7, "6.1(front)": 7, "7.0": 7, "7.0(front)": 7,
    "7.1": 8, "7.1(wide)": 8, "7.1(wide-side)": 8, "octagonal": 8,
}  # fmt: skip
# Warnings that mean the picture or sound the viewer gets is damaged.
_DAMAGE = re.compile(r"corrupt|concealing|partial file|invalid|missing picture|error", re.IGNORECASE)
MAX_ERROR_LINES = 5
CLOCK_OFFSET_S = 1000  # the clock's times, moved back by this, cannot be a window's (command.py)


@dataclass(frozen=True)
class Interval:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Source:
    """What the input says of itself: duration, and its first video stream's size and frame rate."""

    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    audio_tracks: int = 0


@dataclass
class Decoded:
    """What one ffmpeg run saw in one window."""

    frames: int | None = None
    decoded_s: float | None = None  # the longest stream's decoded time
    first_frame_s: float | None = None  # the video's own clock: its first and last frame's time
    last_frame_s: float | None = None
    width: int | None = None
    height: int | None = None
    channels: dict[int, int] = field(default_factory=dict)  # audio track → decoded channel count
    black: list[Interval] = field(default_factory=list)
    frozen: list[Interval] = field(default_factory=list)
    silence: dict[int, list[Interval]] = field(default_factory=dict)
    loudness: dict[int, float] = field(default_factory=dict)  # audio track → integrated LUFS
    printed: dict[str, dict[float, str]] = field(default_factory=dict)  # metadata@NAME → {time: value}
    crop: tuple[int, int, int, int] | None = None  # cropdetect's x1, x2, y1, y2 over the window so far
    sound: dict[int, TrackSound] = field(default_factory=dict)  # levels, peaks (sound.py)
    errors: list[str] = field(default_factory=list)  # the first few damage lines (queries stripped)
    error_count: int = 0
    opened: bool = False  # ffmpeg described the input (it could be opened and read)
    has_video: bool = False  # a video stream (not cover art) was decoded
    audio_tracks: int = 0  # audio tracks decoded
    source: Source = field(default_factory=Source)
    colour: Colour = field(default_factory=Colour)  # the video's colour description, HDR metadata

    @property
    def fps(self) -> float | None:
        """Frames ÷ the video's own time; frames ÷ decoded time when ffmpeg was stopped before its end."""
        if fps := self._clock_fps():
            return fps
        if self.frames and self.decoded_s:
            return self.frames / self.decoded_s
        return None

    @property
    def video_end_s(self) -> float | None:
        """Where the video ends (after its last frame), else where decoding ended."""
        fps = self._clock_fps()
        return self.last_frame_s + 1 / fps if fps and self.last_frame_s is not None else self.decoded_s

    def _clock_fps(self) -> float | None:
        if self.first_frame_s is None or self.last_frame_s is None or not self.frames or self.frames < 2:
            return None
        span = self.last_frame_s - self.first_frame_s
        return (self.frames - 1) / span if span > 0 else None


def parse_progress(stdout: str, decoded: Decoded) -> None:
    """The last ``frame=`` and ``out_time_us=`` of ``-progress`` output."""
    for line in stdout.splitlines():
        key, _, value = line.partition("=")
        if key == "frame" and value.strip().isdigit():
            decoded.frames = int(value)
        elif key == "out_time_us" and value.strip().lstrip("-").isdigit():
            decoded.decoded_s = max(0.0, int(value) / 1e6)


class _Reader:
    def __init__(self, decoded: Decoded) -> None:
        self.d = decoded
        self.section = ""  # 'input' or 'output' while ffmpeg describes one, else ''
        self.started = False  # ebur128 prints an empty summary while ffmpeg sets the graph up
        self.summary_of: int | None = None  # the audio track whose ebur128 summary is being read
        self.open_freeze: float | None = None
        self.open_silence: dict[int, float] = {}
        self.printing: dict[str, float] = {}  # metadata@NAME → the time of the picture it prints

    def read(self, stderr: str) -> None:
        for raw in stderr.splitlines():
            m = _LINE.match(raw)
            if m is None:
                self._continuation(raw)
                continue
            self.summary_of = None
            names = _CTX.findall(m["ctx"])
            self._line(names[0] if names else "", m["level"], m["msg"])

    def close(self) -> None:
        """Intervals still open when decoding stopped end where their stream ended."""
        video_end, end = self.d.video_end_s, self.d.decoded_s
        if self.open_freeze is not None and video_end is not None:
            self.d.frozen.append(Interval(self.open_freeze, video_end))
        for track, start in self.open_silence.items():
            if end is not None:
                self.d.silence.setdefault(track, []).append(Interval(start, end))

    def _continuation(self, raw: str) -> None:
        m = _LOUDNESS.match(raw)
        if m and self.summary_of is not None and (lufs := finite_number(m["lufs"])) is not None:
            self.d.loudness[self.summary_of] = lufs
        elif self.summary_of is not None:
            read_summary(self._sound(self.summary_of), raw)

    def _line(self, ctx: str, level: str, msg: str) -> None:
        if not ctx:
            self._header(msg)
        filt, _, instance = ctx.partition("@")
        if filt == "blackdetect":
            self._black(msg)
        elif filt == "freezedetect":
            self._freeze(msg)
        elif filt == "ametadata" and (track := _track(instance)) is not None:
            self._silence(track, msg)
        elif filt == "ebur128" and msg.startswith("Summary") and self.started:
            self.summary_of = _track(instance)
        elif filt == "metadata":
            self._printed(instance, msg)
        elif filt == "cropdetect" and (m := _CROP.search(msg)):
            self.d.crop = (int(m["x1"]), int(m["x2"]), int(m["y1"]), int(m["y2"]))
        elif filt == "ebur128" and msg.startswith("t:") and (track := _track(instance)) is not None:
            read_ebur128(self._sound(track), msg)
        elif filt == "ametadata" and (track := _track(instance, "s")) is not None:
            read_levels(self._sound(track), msg)
        elif filt == "ametadata" and (track := _track(instance, "m")) is not None:
            read_levels(self._sound(track), msg, mid_side=True)
        damaged = level == "warning" and _DAMAGE.search(msg)
        if level in ("fatal", "error", "panic") or damaged or "concealing" in msg:
            self._error(ctx, msg)

    def _sound(self, track: int) -> TrackSound:
        return self.d.sound.setdefault(track, TrackSound())

    def _header(self, msg: str) -> None:
        """ffmpeg's description of the input, then of the outputs (indented lines under a heading)."""
        if msg.startswith("Output #"):
            self.section, self.started = "output", True
        elif msg.startswith("Input #"):
            self.section, self.d.opened = "input", True
        elif not msg.startswith(" "):
            self.section = ""
        elif self.section == "input":
            self._input(msg)
        elif self.section == "output":
            self._output_stream(msg)

    def _input(self, msg: str) -> None:
        source = self.d.source
        if m := _DURATION.match(msg):
            seconds = finite_number(m["s"])
            source.duration_s = None if seconds is None else int(m["h"]) * 3600 + int(m["m"]) * 60 + seconds
        elif _AUDIO.search(msg):
            source.audio_tracks += 1
        elif source.width is None and "(attached pic)" not in msg and (m := _VIDEO.search(msg)):
            source.width, source.height = int(m["w"]), int(m["h"])
            if (rate := _RATE.search(msg)) and (fps := finite_number(rate["n"])):
                source.fps = fps * (1000 if rate["k"] else 1)

    def _output_stream(self, msg: str) -> None:
        if not self.d.has_video and (m := _VIDEO.search(msg)):  # the first video output sees every frame
            self.d.has_video = True
            self.d.width, self.d.height = int(m["w"]), int(m["h"])
        elif m := _AUDIO.search(msg):
            track, self.d.audio_tracks = self.d.audio_tracks, self.d.audio_tracks + 1
            layout = m["layout"].strip()
            count = _LAYOUTS.get(layout)
            if count is None and (n := re.match(r"(\d+) channels", layout)):
                count = int(n[1])
            if count is not None:
                self.d.channels[track] = count

    def _black(self, msg: str) -> None:
        m = _BLACK.search(msg)
        start, end = (finite_number(m["start"]), finite_number(m["end"])) if m else (None, None)
        if start is None or end is None:
            return
        if start > -CLOCK_OFFSET_S / 2:
            self.d.black.append(Interval(start, end))
            return
        start, end = start + CLOCK_OFFSET_S, end + CLOCK_OFFSET_S  # the clock (once per graph set-up)
        d = self.d
        d.first_frame_s = start if d.first_frame_s is None else min(d.first_frame_s, start)
        d.last_frame_s = end if d.last_frame_s is None else max(d.last_frame_s, end)

    def _freeze(self, msg: str) -> None:
        m = _FREEZE.search(msg)
        if m is None:
            return
        t = finite_number(m["t"])
        if t is None:
            return
        if m["edge"] == "start":
            self.open_freeze = t
        elif self.open_freeze is not None:
            self.d.frozen.append(Interval(self.open_freeze, t))
            self.open_freeze = None

    def _silence(self, track: int, msg: str) -> None:
        m = _SILENCE.search(msg)
        if m is None:
            return
        t = finite_number(m["t"])
        if t is None:
            return
        if m["edge"] == "start":
            self.open_silence[track] = t
        elif track in self.open_silence:
            self.d.silence.setdefault(track, []).append(Interval(self.open_silence.pop(track), t))

    def _printed(self, name: str, msg: str) -> None:
        """A picture's time, then the value printed for it (the picture checks' metadata@NAME)."""
        if m := _PICTURE_TIME.match(msg):
            if (t := finite_number(m["t"])) is not None:
                self.printing[name] = t
        elif (m := _PRINTED.match(msg)) and name in self.printing:
            self.d.printed.setdefault(name, {})[self.printing[name]] = m["value"]

    def _error(self, ctx: str, msg: str) -> None:
        self.d.error_count += 1
        if len(self.d.errors) < MAX_ERROR_LINES:
            where = f"{ctx.split('@')[0]}: " if ctx else ""
            self.d.errors.append(f"{where}{msg.strip()}"[:300])


def finite_number(text: str) -> float | None:
    """A finite number, or None for what only looks like one ('-', '.', '1e999')."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _track(instance: str, kind: str = "a") -> int | None:
    """The audio track a named filter instance ('a1'; 's1' and 'm1' in the levels branch) is about."""
    return int(instance[1:]) if instance[:1] == kind and instance[1:].isdigit() else None


def parse_run(stdout: str, stderr: str) -> Decoded:
    """Everything one ffmpeg run reported; intervals still open end where decoding ended."""
    decoded = Decoded()
    reader = _Reader(decoded)
    reader.read(stderr)
    parse_progress(stdout, decoded)
    reader.close()
    decoded.colour = read_colour(stderr)
    return decoded
