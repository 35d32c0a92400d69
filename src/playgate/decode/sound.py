"""What ffmpeg printed about one audio track's sound, beyond silence: levels and peaks in time.

Two sources (command.py). The levels branch's astats: one block of ``ametadata@sN`` lines per 100 ms
piece (its time, then the peak level of channel 1 and 2) and, for every other piece, a block of
``ametadata@mN`` lines (its time, then the RMS level of the pair's mid and side). And ebur128: its
summary (loudness range, true peak) and, when the true-peak check is on, a line per 100 ms with each
channel's true peak in that piece (``FTPK``). Times are the window's; ebur128 counts its own from the
first sample, so its pieces are placed after the track's first piece.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_PIECE = re.compile(r"pts_time:(?P<t>[-\d.e]+)")
_STAT = re.compile(r"lavfi\.astats\.(?P<ch>[12])\.(?P<key>Peak_level|RMS_level)=(?P<v>\S+)")
_FTPK = re.compile(r"^t:\s*(?P<t>[\d.e-]+)\s.*FTPK:(?P<peaks>[-\d.inf ]+) dBFS")
_SUMMARY = re.compile(r"^\s*(?P<key>LRA|Peak):\s+(?P<v>[-\d.inf]+)")
PIECE_S = 0.1  # 4800 samples at 48 kHz; at other rates a piece's length comes from the times


@dataclass
class Piece:
    """100 ms of a track: the peak level (dBFS) of channel 1 and 2, or the RMS level of their mid and
    side."""

    start_s: float
    levels: list[float] = field(default_factory=lambda: [-math.inf] * 2)


@dataclass
class TrackSound:
    pieces: list[Piece] = field(default_factory=list)  # peaks, every piece
    mid_side: list[Piece] = field(default_factory=list)  # RMS of the mid and the side, every other piece
    true_peaks: list[tuple[float, float]] = field(default_factory=list)  # (end of a 100 ms piece, dBTP)
    loudness_range: float | None = None  # LU
    true_peak: float | None = None  # dBTP, the summary's
    summary_part: str = ""  # which part of ebur128's summary is being read

    @property
    def piece_s(self) -> float:
        """How long a piece is (the first two pieces' distance)."""
        if len(self.pieces) > 1 and (step := self.pieces[1].start_s - self.pieces[0].start_s) > 0:
            return step
        return PIECE_S

    @property
    def start_s(self) -> float | None:
        return self.pieces[0].start_s if self.pieces else None

    @property
    def end_s(self) -> float | None:
        """Where the track ends, to within a piece (the last piece counted whole)."""
        return self.pieces[-1].start_s + self.piece_s if self.pieces else None


def level(text: str) -> float | None:
    """A level in dB as ffmpeg prints it ('-inf' for digital silence); None for anything else."""
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) or value == math.inf else value


def read_levels(sound: TrackSound, msg: str, mid_side: bool = False) -> None:
    """One ``ametadata@sN`` (or ``@mN``) line: a piece's time, or one of its levels."""
    pieces, key = (sound.mid_side, "RMS_level") if mid_side else (sound.pieces, "Peak_level")
    if m := _PIECE.search(msg):
        if (t := level(m["t"])) is not None and math.isfinite(t):
            pieces.append(Piece(t))
    elif (m := _STAT.search(msg)) and m["key"] == key and pieces and (value := level(m["v"])) is not None:
        pieces[-1].levels[int(m["ch"]) - 1] = value


def read_ebur128(sound: TrackSound, msg: str) -> None:
    """One of ebur128's per-100 ms lines: the highest true peak of the piece it ends."""
    m = _FTPK.match(msg)
    if m is None or (t := level(m["t"])) is None or not math.isfinite(t):
        return
    peaks = [p for p in (level(x) for x in m["peaks"].split()) if p is not None]
    if peaks:
        sound.true_peaks.append((t, max(peaks)))


def read_summary(sound: TrackSound, raw: str) -> None:
    """A line of ebur128's summary after its integrated loudness: range, then sample and true peak."""
    text = raw.strip()
    if text.endswith(":"):
        sound.summary_part = text
        return
    m = _SUMMARY.match(raw)
    if m is None or (value := level(m["v"])) is None:
        return
    if m["key"] == "LRA":
        sound.loudness_range = value
    elif sound.summary_part == "True peak:":
        sound.true_peak = value
