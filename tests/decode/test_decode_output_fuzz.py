"""What ffmpeg prints is shaped by the input (tags, stream names, a hostile server's playlists): the
parser of its output never raises and never reports an impossible number, whatever the lines say."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from playgate.decode.parse import parse_run

CONTEXTS = ["", "[blackdetect @ 0x1] ", "[freezedetect @ 0x2] ", "[ametadata@a0 @ 0x3] ",
            "[ebur128@a1 @ 0x4] ", "[hls @ 0x5] ", "[h264 @ 0x6] ", "[metadata@fields @ 0x7] ",
            "[cropdetect@bars @ 0x8] "]  # fmt: skip
LEVELS = ["info", "warning", "error", "fatal", "verbose"]
NUMBERS = st.sampled_from(["0", "-", ".", "-.", "1e309", "nan", "-0", "12.5", "9" * 20, "00:00:."])
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
])  # fmt: skip


@st.composite
def ffmpeg_lines(draw) -> str:
    head = draw(HEADS)
    while "{n}" in head:
        head = head.replace("{n}", draw(NUMBERS), 1)
    if draw(st.booleans()):
        return f"    I:  {draw(NUMBERS)} LUFS"  # ebur128's summary continuation
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
