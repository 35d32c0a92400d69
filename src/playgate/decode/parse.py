"""Reading what ffmpeg printed: the filters' results, the decoded streams, and the decode errors.

ffmpeg runs with ``-loglevel repeat+level+info`` (every line tagged with its level) and ``-progress
pipe:1`` (frame count and decoded time on stdout). Times are relative to the window's start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(r"^(?P<ctx>(?:\[[^\]]*? @ 0x[0-9a-f]+\] )*)\[(?P<level>[a-z]+)\] (?P<msg>.*)$")
_CTX = re.compile(r"\[([^\]]*?) @ 0x[0-9a-f]+\]")
_BLACK = re.compile(r"black_start:\s*(?P<start>[-\d.]+)\s+black_end:\s*(?P<end>[-\d.]+)")
_FREEZE = re.compile(r"lavfi\.freezedetect\.freeze_(?P<edge>start|end): (?P<t>[-\d.]+)")
_SILENCE = re.compile(r"lavfi\.silence_(?P<edge>start|end)=(?P<t>[-\d.]+)")
_LOUDNESS = re.compile(r"^\s*I:\s+(?P<lufs>[-\d.]+) LUFS")
_OUT_VIDEO = re.compile(r"Stream #\d+:(?P<i>\d+).*?: Video: .*?, (?P<w>\d+)x(?P<h>\d+)")
_OUT_AUDIO = re.compile(r"Stream #\d+:(?P<i>\d+).*?: Audio: [^,]+, \d+ Hz, (?P<layout>[^,]+)")
_LAYOUTS = {
    "mono": 1, "stereo": 2, "downmix": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4,
    "quad(side)": 4, "3.1": 4, "4.1": 5, "5.0": 5, "5.0(side)": 5, "5.1": 6, "5.1(side)": 6, "6.0": 6,
    "6.0(front)": 6, "hexagonal": 6, "6.1": 7, "6.1(back)": 7, "6.1(front)": 7, "7.0": 7, "7.0(front)": 7,
    "7.1": 8, "7.1(wide)": 8, "7.1(wide-side)": 8, "octagonal": 8,
}  # fmt: skip
# Warnings that mean the picture or sound the viewer gets is damaged.
_DAMAGE = re.compile(r"corrupt|concealing|partial file|invalid|missing picture|error", re.IGNORECASE)
MAX_ERROR_LINES = 5


@dataclass(frozen=True)
class Interval:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Decoded:
    """What one ffmpeg run saw in one window."""

    frames: int | None = None
    decoded_s: float | None = None
    width: int | None = None
    height: int | None = None
    channels: dict[int, int] = field(default_factory=dict)  # audio track → decoded channel count
    black: list[Interval] = field(default_factory=list)
    frozen: list[Interval] = field(default_factory=list)
    silence: dict[int, list[Interval]] = field(default_factory=dict)
    loudness: dict[int, float] = field(default_factory=dict)  # audio track → integrated LUFS
    errors: list[str] = field(default_factory=list)  # the first few damage lines (queries stripped)
    error_count: int = 0

    @property
    def fps(self) -> float | None:
        if self.frames and self.decoded_s:
            return self.frames / self.decoded_s
        return None


def parse_progress(stdout: str, decoded: Decoded) -> None:
    """The last ``frame=`` and ``out_time_us=`` of ``-progress`` output."""
    for line in stdout.splitlines():
        key, _, value = line.partition("=")
        if key == "frame" and value.strip().isdigit():
            decoded.frames = int(value)
        elif key == "out_time_us" and value.strip().lstrip("-").isdigit():
            decoded.decoded_s = max(0.0, int(value) / 1e6)


class _Reader:
    def __init__(self, decoded: Decoded, audio_tracks: int, has_video: bool) -> None:
        self.d = decoded
        self.audio_tracks = audio_tracks
        self.first_audio_output = 1 if has_video else 0
        self.in_output = False
        self.started = False  # ebur128 prints an empty summary while ffmpeg sets the graph up
        self.summary_of: int | None = None  # the audio track whose ebur128 summary is being read
        self.open_freeze: float | None = None
        self.open_silence: dict[int, float] = {}

    def read(self, stderr: str) -> None:
        for raw in stderr.splitlines():
            m = _LINE.match(raw)
            if m is None:
                self._continuation(raw)
                continue
            self.summary_of = None
            names = _CTX.findall(m["ctx"])
            self._line(names[0] if names else "", m["level"], m["msg"])

    def close(self, end_s: float | None) -> None:
        """Intervals still open when decoding stopped end where decoding ended."""
        if end_s is None:
            return
        if self.open_freeze is not None:
            self.d.frozen.append(Interval(self.open_freeze, end_s))
        for track, start in self.open_silence.items():
            self.d.silence.setdefault(track, []).append(Interval(start, end_s))

    def _continuation(self, raw: str) -> None:
        m = _LOUDNESS.match(raw)
        if m and self.summary_of is not None:
            self.d.loudness[self.summary_of] = float(m["lufs"])

    def _line(self, ctx: str, level: str, msg: str) -> None:
        if msg.startswith("Output #"):
            self.in_output = self.started = True
        elif msg.startswith("Input #") or msg.startswith("Stream mapping"):
            self.in_output = False
        if self.in_output:
            self._output_stream(msg)
        filt, _, instance = ctx.partition("@")
        if filt == "blackdetect":
            if m := _BLACK.search(msg):
                self.d.black.append(Interval(float(m["start"]), float(m["end"])))
        elif filt == "freezedetect":
            self._freeze(msg)
        elif filt == "ametadata" and instance.startswith("a"):
            self._silence(int(instance[1:]), msg)
        elif filt == "ebur128" and instance.startswith("a") and msg.startswith("Summary") and self.started:
            self.summary_of = int(instance[1:])
        damaged = level == "warning" and _DAMAGE.search(msg)
        if level in ("fatal", "error", "panic") or damaged or "concealing" in msg:
            self._error(ctx, msg)

    def _output_stream(self, msg: str) -> None:
        if m := _OUT_VIDEO.search(msg):
            self.d.width, self.d.height = int(m["w"]), int(m["h"])
        elif m := _OUT_AUDIO.search(msg):
            track = int(m["i"]) - self.first_audio_output
            layout = m["layout"].strip()
            count = _LAYOUTS.get(layout)
            if count is None and (n := re.match(r"(\d+) channels", layout)):
                count = int(n[1])
            if count is not None and 0 <= track < self.audio_tracks:
                self.d.channels[track] = count

    def _freeze(self, msg: str) -> None:
        m = _FREEZE.search(msg)
        if m is None:
            return
        t = float(m["t"])
        if m["edge"] == "start":
            self.open_freeze = t
        elif self.open_freeze is not None:
            self.d.frozen.append(Interval(self.open_freeze, t))
            self.open_freeze = None

    def _silence(self, track: int, msg: str) -> None:
        m = _SILENCE.search(msg)
        if m is None:
            return
        t = float(m["t"])
        if m["edge"] == "start":
            self.open_silence[track] = t
        elif track in self.open_silence:
            self.d.silence.setdefault(track, []).append(Interval(self.open_silence.pop(track), t))

    def _error(self, ctx: str, msg: str) -> None:
        self.d.error_count += 1
        if len(self.d.errors) < MAX_ERROR_LINES:
            where = f"{ctx.split('@')[0]}: " if ctx else ""
            self.d.errors.append(f"{where}{msg.strip()}"[:300])


def parse_run(stdout: str, stderr: str, audio_tracks: int, has_video: bool) -> Decoded:
    """Everything one ffmpeg run reported; intervals still open end where decoding ended."""
    decoded = Decoded()
    reader = _Reader(decoded, audio_tracks, has_video)
    reader.read(stderr)
    parse_progress(stdout, decoded)
    reader.close(decoded.decoded_s)
    return decoded
