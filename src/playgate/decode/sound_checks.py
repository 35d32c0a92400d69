"""Judging one audio track's sound (sound.py's levels and peaks): loudness, true peak, clipping, a mute
channel, a phase-inverted channel, and audio out of step with the video. Intervals are in media time.

The channel checks look at the track's first two channels (the front pair of 5.1); a mono track has
no pair and passes them.
"""

from __future__ import annotations

import math
from typing import Any

from playgate.decode.checks import WindowRun, finding, in_media_time, long_enough
from playgate.decode.parse import Interval
from playgate.decode.sound import Piece, TrackSound
from playgate.decode.spec import DecodeChecks
from playgate.rules.report import Finding


def sound_findings(run: WindowRun, track: int, subject: str, checks: DecodeChecks) -> list[Finding]:
    sound = run.decoded.sound.get(track) or TrackSound()
    mono = run.decoded.channels.get(track) == 1
    findings = []
    if checks.audio_loudness.enabled:
        findings.append(_loudness(run.decoded.loudness.get(track), sound, subject, checks))
    if checks.audio_true_peak.enabled:
        findings.append(_true_peak(run, sound, subject, checks))
    if checks.audio_clipping.enabled:
        findings.append(_clipping(run, sound, subject, checks))
    if checks.audio_channel_mute.enabled:
        findings.append(_mute(run, sound, subject, checks, mono))
    if checks.audio_phase.enabled:
        findings.append(_phase(run, sound, subject, checks, mono))
    if checks.audio_sync.enabled and run.has_video and run.decoded.first_frame_s is not None:
        findings.append(_sync(run, sound, subject, checks))
    return findings


def _loudness(lufs: float | None, sound: TrackSound, subject: str, checks: DecodeChecks) -> Finding:
    spec = checks.audio_loudness
    peak, ceiling = sound.true_peak, spec.max_true_peak_dbtp
    demands = []
    ok = True
    if spec.target_lufs is not None:
        demands.append(f"{spec.target_lufs:g} LUFS ± {spec.tolerance_lu:g} LU")
        ok = lufs is not None and abs(lufs - spec.target_lufs) <= spec.tolerance_lu
    if ceiling is not None:
        demands.append(f"true peak ≤ {ceiling:g} dBTP")
        ok = ok and peak is not None and peak <= ceiling
    expected = ", ".join(demands) + (f" ({spec.preset})" if spec.preset else "")
    expected = expected or "recorded only (no target set)"
    if lufs is None:
        measured = "was not measured"
    else:
        measured = f"{lufs:g} LUFS integrated, range {_g(sound.loudness_range)} LU"
        measured += f", true peak {peak:g} dBTP" if peak is not None and ceiling is not None else ""
    actual = {"integrated_lufs": lufs, "range_lu": _finite(sound.loudness_range)}
    if ceiling is not None:
        actual["true_peak_dbtp"] = _finite(peak)  # -inf (digital silence) is no peak at all
    message = f"audio-loudness: {subject}: {measured}; expected {expected}"
    return finding(
        "audio-loudness", spec.severity, ok, subject, actual=actual, expected=expected, message=message
    )


def _true_peak(run: WindowRun, sound: TrackSound, subject: str, checks: DecodeChecks) -> Finding:
    spec = checks.audio_true_peak
    offset = sound.start_s or 0.0  # ebur128 counts from the track's first sample
    over = [(offset + t - 0.1, offset + t, p) for t, p in sound.true_peaks if p > spec.max_dbtp]
    found = _spans(run, over, "peak_dbtp", max)
    peak = sound.true_peak
    ok = not found and (peak is None or peak <= spec.max_dbtp)
    what = f"true peak {_g(peak)} dBTP"
    return _result(
        "audio-true-peak", spec.severity, ok, subject, found, f"true peak ≤ {spec.max_dbtp:g} dBTP",
        f"{what}, over {spec.max_dbtp:g} dBTP" if not ok else what,
    )  # fmt: skip


def _clipping(run: WindowRun, sound: TrackSound, subject: str, checks: DecodeChecks) -> Finding:
    spec = checks.audio_clipping
    step = sound.piece_s
    hot = [(p.start_s, p.start_s + step, max(p.levels)) for p in sound.pieces]
    found = _spans(run, [h for h in hot if h[2] >= spec.level_dbfs], "peak_dbfs", max)
    expected = f"no sample at or above {spec.level_dbfs:g} dBFS (full scale)"
    what = "samples at full scale" if found else "no sample at full scale"
    return _result("audio-clipping", spec.severity, not found, subject, found, expected, what)


def _mute(run: WindowRun, sound: TrackSound, subject: str, checks: DecodeChecks, mono: bool) -> Finding:
    spec = checks.audio_channel_mute
    expected = f"no channel below {spec.mute_db:g} dB for ≥ {spec.min_duration_s:g} s while the other plays"
    if mono:
        return _result("audio-channel-mute", spec.severity, True, subject, [], expected, "a mono track")
    found: list[dict[str, Any]] = []
    for channel in (0, 1):
        for run_of in _runs(sound.pieces, lambda p, c=channel: p.levels[c] <= spec.mute_db):
            other = _mean_db([p.levels[1 - channel] for p in run_of])
            span = Interval(run_of[0].start_s, run_of[-1].start_s + sound.piece_s)
            if other >= spec.programme_db and long_enough([span], spec.min_duration_s - sound.piece_s):
                found += [{**i, "channel": channel + 1} for i in in_media_time(run, [span], 0)]
    what = "; ".join(f"channel {f['channel']} mute {f['start_s']:g}–{f['end_s']:g} s" for f in found)
    ok = not found
    return _result(
        "audio-channel-mute", spec.severity, ok, subject, found, expected, what or "no mute channel"
    )


def _phase(run: WindowRun, sound: TrackSound, subject: str, checks: DecodeChecks, mono: bool) -> Finding:
    spec = checks.audio_phase
    expected = f"correlation of channels 1 and 2 ≥ {spec.min_correlation:g} over {spec.min_duration_s:g} s"
    if mono:
        return _result("audio-phase-inverted", spec.severity, True, subject, [], expected, "a mono track")
    pieces = sound.mid_side  # every other piece
    step = pieces[1].start_s - pieces[0].start_s if len(pieces) > 1 else sound.piece_s
    size = max(1, min(len(pieces), round(spec.min_duration_s / step))) if step > 0 else len(pieces)
    low = []
    for i in range(len(pieces) - size + 1):
        span = pieces[i : i + size]
        corr = _correlation(span)
        if corr is not None and corr < spec.min_correlation and _pair_db(span) >= spec.programme_db:
            low.append((span[0].start_s, span[-1].start_s + sound.piece_s, round(corr, 2)))
    found = _spans(run, low, "correlation", min)
    whole = _correlation(pieces) if pieces else None
    what = f"correlation {_g(whole and round(whole, 2))} over the window"
    return _result("audio-phase-inverted", spec.severity, not found, subject, found, expected, what)


def _sync(run: WindowRun, sound: TrackSound, subject: str, checks: DecodeChecks) -> Finding:
    spec, d = checks.audio_sync, run.decoded
    expected = (
        f"audio starts within {spec.max_start_offset_s:g} s and ends within {spec.max_end_gap_s:g} s "
        "of the video"
    )
    v_start, v_end, a_start, a_end = d.first_frame_s, d.video_end_s, sound.start_s, sound.end_s
    if v_start is None or v_end is None or a_start is None or a_end is None:
        return _result("audio-sync", spec.severity, False, subject, [], expected, "no audio decoded")
    found = []
    if abs(a_start - v_start) > spec.max_start_offset_s:
        late = "audio" if a_start > v_start else "video"
        found += [{**i, "starts_late": late} for i in in_media_time(run, [_between(a_start, v_start)], 0)]
    if abs(v_end - a_end) > spec.max_end_gap_s:
        early = "audio" if a_end < v_end else "video"
        found += [{**i, "ends_early": early} for i in in_media_time(run, [_between(a_end, v_end)], 0)]
    what = f"audio {a_start - v_start:+.2f} s at the start, {a_end - v_end:+.2f} s at the end"
    return _result("audio-sync", spec.severity, not found, subject, found, expected, what)


def _result(
    rule: str, severity: Any, ok: bool, subject: str, found: list, expected: str, what: str
) -> Finding:
    spans = ", ".join(f"{f['start_s']:g}–{f['end_s']:g} s" for f in found)
    message = f"{rule}: {subject}: {what}" + (f" ({spans})" if spans and spans not in what else "")
    return finding(rule, severity, ok, subject, actual=found, expected=expected, message=message)


def _spans(run: WindowRun, marked: list[tuple[float, float, float]], key: str, pick: Any) -> list[dict]:
    """Marked stretches (start, end, value) merged where they touch or overlap, in media time, each with
    the ``pick`` (max or min) of its values under ``key``."""
    merged: list[list[float]] = []
    for start, end, value in sorted(marked):
        if merged and start <= merged[-1][1] + 1e-3:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = pick(merged[-1][2], value)
        else:
            merged.append([start, end, value])
    return [
        {**i, key: round(value, 2)}
        for (start, end, value) in merged
        for i in in_media_time(run, [Interval(max(start, 0.0), end)], 0)
    ]


def _runs(pieces: list[Piece], test: Any) -> list[list[Piece]]:
    """The stretches of consecutive pieces that pass ``test``."""
    runs: list[list[Piece]] = []
    for i, piece in enumerate(pieces):
        if not test(piece):
            continue
        if runs and runs[-1][-1] is pieces[i - 1]:
            runs[-1].append(piece)
        else:
            runs.append([piece])
    return runs


def _energy(db: float) -> float:
    return 0.0 if db == -math.inf else 10 ** (db / 10)


def _mean_db(levels: list[float]) -> float:
    mean = sum(_energy(x) for x in levels) / len(levels) if levels else 0.0
    return 10 * math.log10(mean) if mean > 0 else -math.inf


def _pair_db(pieces: list[Piece]) -> float:
    """The pair's mean level per channel from its mid and side: L² + R² = 2 (M² + S²)."""
    energy = sum(_energy(p.levels[0]) + _energy(p.levels[1]) for p in pieces) / len(pieces)
    return 10 * math.log10(energy) if energy > 0 else -math.inf


def _correlation(pieces: list[Piece]) -> float | None:
    """The pair's correlation from its mid and side energy: 1 the same, 0 unrelated, -1 inverted."""
    mid = sum(_energy(p.levels[0]) for p in pieces)
    side = sum(_energy(p.levels[1]) for p in pieces)
    return (mid - side) / (mid + side) if mid + side > 0 else None


def _between(a: float, b: float) -> Interval:
    return Interval(min(a, b), max(a, b))


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _g(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"
