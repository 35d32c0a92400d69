"""What ffmpeg prints is shaped by the input (tags, stream names, a hostile server's playlists): the
parser of its output never raises and never reports an impossible number, whatever the lines say."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from playgate.decode.checks import Declared, WindowRun, window_findings
from playgate.decode.parse import parse_run
from playgate.decode.spec import DecodeChecks

CONTEXTS = ["", "[blackdetect @ 0x1] ", "[freezedetect @ 0x2] ", "[ametadata@a0 @ 0x3] ",
            "[ebur128@a1 @ 0x4] ", "[hls @ 0x5] ", "[h264 @ 0x6] ", "[metadata@fields @ 0x7] ",
            "[cropdetect@bars @ 0x8] ", "[ametadata@s0 @ 0x9] "]  # fmt: skip
LEVELS = ["info", "warning", "error", "fatal", "verbose"]
NUMBERS = st.sampled_from(
    ["0", "-", ".", "-.", "1e309", "-1e309", "nan", "-inf", "inf", "-0", "12.5", "9" * 20, "00:00:."]
)
HEADS = st.sampled_from([
    "Input #0, hls, from 'x':", "Output #0, null, to 'pipe:':", "Stream mapping:", "Summary:",
    "  Duration: {n}:{n}:{n}, start: 0",
    "  Stream #0:{n}: Video: h264, yuv420p, {n}x{n}, {n} fps, {n}k tbr",
    "  Stream #0:{n}(und): Video: png, {n}x{n} (attached pic)",
    "  Stream #0:{n}: Audio: aac, {n} Hz, {n}, fltp",
    "  Stream #0:1: Audio: aac, 48000 Hz, {n} channels, fltp",
    "black_start:{n} black_end:{n} black_duration:{n}",
    "lavfi.freezedetect.freeze_start: {n}", "lavfi.freezedetect.freeze_end: {n}",
    "lavfi.silence_start={n}", "lavfi.silence_end={n}",
    "concealing {n} errors", "Invalid data found when processing input",
    "frame:{n} pts:{n} pts_time:{n}", "lavfi.idet.multiple.current_frame={n}", "lavfi.psnr.mse.y={n}",
    "x1:{n} x2:{n} y1:{n} y2:{n} w:{n} h:{n}",
    "frame:{n} pts:{n} pts_time:{n}", "lavfi.astats.{n}.Peak_level={n}", "lavfi.astats.2.RMS_level={n}",
    "t: {n}  TARGET:-23 LUFS  M: {n} S: {n}  I: {n} LUFS  LRA: {n} LU  FTPK: {n} {n} dBFS  TPK: {n} dBFS",
])  # fmt: skip
SUMMARY = st.sampled_from(["    I:  {n} LUFS", "    LRA:  {n} LU", "  True peak:", "    Peak:  {n} dBFS"])


@st.composite
def ffmpeg_lines(draw) -> str:
    head = draw(HEADS)
    while "{n}" in head:
        head = head.replace("{n}", draw(NUMBERS), 1)
    if draw(st.booleans()):  # ebur128's summary continuation
        return draw(SUMMARY).replace("{n}", draw(NUMBERS))
    junk = draw(st.text(max_size=30))
    return f"{draw(st.sampled_from(CONTEXTS))}[{draw(st.sampled_from(LEVELS))}] {head}{junk}"


def _finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


@settings(max_examples=400, deadline=None)
@given(st.lists(ffmpeg_lines(), max_size=25), st.text(max_size=200))
def test_parsing_ffmpeg_output_never_raises(lines, progress):
    decoded = parse_run("frame=12\nout_time_us=1000000\n" + progress, "\n".join(lines))
    assert decoded.audio_tracks >= 0 and decoded.error_count >= len(decoded.errors)
    assert all(_finite(v) for v in (decoded.source.duration_s, decoded.source.fps, decoded.fps))
    intervals = [*decoded.black, *decoded.frozen, *(i for s in decoded.silence.values() for i in s)]
    assert all(math.isfinite(i.start_s) and math.isfinite(i.end_s) for i in intervals)
    assert all(math.isfinite(v) for v in decoded.loudness.values())
    assert all(math.isfinite(t) for printed in decoded.printed.values() for t in printed)
    for sound in decoded.sound.values():
        pieces = [*sound.pieces, *sound.mid_side]
        levels = [x for p in pieces for x in p.levels]
        assert all(math.isfinite(p.start_s) for p in pieces) and math.inf not in levels
        assert all(math.isfinite(t) and math.isfinite(v) for t, v in sound.true_peaks)
        assert not any(math.isnan(v) for v in levels if isinstance(v, float))
    run = WindowRun("fuzz", 0.0, 10.0, decoded, decoded.audio_tracks, decoded.has_video, Declared())
    every = DecodeChecks.model_validate({k: {"enabled": True} for k in ("audio-true-peak", "audio-sync")})
    json.dumps([f.actual for f in window_findings(run, every)], allow_nan=False)  # no NaN nor infinity
