"""From what one decoded window showed to findings, in the report shape ``rules check`` uses.

Every finding carries media times (the window's start added), so an editor can jump to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playgate.decode.parse import Decoded, Interval
from playgate.decode.spec import BlackCheck, DecodeChecks, Severity
from playgate.rules.report import Finding, Outcome


@dataclass(frozen=True)
class Declared:
    """What ICE (GetPlayInfo) or the playlist says the rendition is; None where it says nothing."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    channels: int | None = None
    duration_s: float | None = None
    hdr_type: str | None = None  # GetPlayInfo's HDRType (SDR, HDR10, HLG…) or the master's VIDEO-RANGE


@dataclass(frozen=True)
class WindowRun:
    """One decoded window of one rendition: where it is and what came out."""

    subject: str  # 'rendition 720p https://cdn.example.com/v/720.m3u8' (never with a query)
    start_s: float
    seconds: float
    decoded: Decoded
    audio_tracks: int
    has_video: bool
    declared: Declared


def finding(rule: str, severity: Severity, ok: bool, subject: str, **fields: Any) -> Finding:
    outcome: Outcome = "pass" if ok else ("fail" if severity == "error" else "warn")
    return Finding.model_construct(
        rule=rule,
        severity=severity,
        outcome=outcome,
        subject=subject,
        check=fields.pop("check", f"decode.{rule}"),
        actual=fields.pop("actual", None),
        expected=fields.pop("expected", ""),
        message=fields.pop("message"),
        source=fields.pop("source", None),
        error=None,
    )


def where(run: WindowRun) -> str:
    return f"{run.subject} (window {run.start_s:g}–{run.start_s + run.seconds:g} s)"


def intervals(finding: Finding) -> list[dict[str, float]]:
    """The intervals in media time (``start_s``, ``end_s``) a black, frozen or silence finding reports;
    empty for any other finding."""
    actual = finding.actual
    if not isinstance(actual, list):
        return []
    return [i for i in actual if isinstance(i, dict) and {"start_s", "end_s"} <= i.keys()]


def long_enough(intervals: list[Interval], min_s: float) -> list[Interval]:
    return [i for i in intervals if i.duration_s >= min_s - 1e-3]


_WINDOW = re.compile(r"\(window (\d+(?:\.\d+)?)–(\d+(?:\.\d+)?) s\)")


def window_of(subject: str) -> tuple[float, float] | None:
    """The media-time window a decode finding's subject names (``where``'s words), or None."""
    found = _WINDOW.search(subject or "")
    return (float(found[1]), float(found[2])) if found else None


def in_media_time(run: WindowRun, intervals: list[Interval], min_s: float) -> list[dict[str, float]]:
    """Intervals at least ``min_s`` long, in media time, rounded for people."""
    return [
        {
            "start_s": round(run.start_s + i.start_s, 3),
            "end_s": round(run.start_s + i.end_s, 3),
            "duration_s": round(i.duration_s, 3),
        }
        for i in long_enough(intervals, min_s)
    ]


def interval_finding(
    run: WindowRun, rule: str, what: str, found: list[dict[str, float]], **kw: Any
) -> Finding:
    spec, subject, threshold = kw["spec"], kw.get("subject", where(run)), kw["threshold"]
    expected = f"no {what} interval ≥ {spec.min_duration_s:g} s ({threshold})"
    if not found:
        message = f"{rule}: no {what} of {spec.min_duration_s:g} s or more in {subject}"
        return finding(rule, spec.severity, True, subject, actual=[], expected=expected, message=message)
    spans = ", ".join(f"{f['start_s']:g}–{f['end_s']:g} s" for f in found)
    total = sum(f["duration_s"] for f in found)
    return finding(
        rule,
        spec.severity,
        False,
        subject,
        actual=found,
        expected=expected,
        message=f"{rule}: {total:g} s of {what} in {subject}: {spans}",
    )


def window_findings(run: WindowRun, checks: DecodeChecks, *, timed_out: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    d = run.decoded
    # Black edges are found to within one sample, so a black interval measured one sample short of the
    # threshold may be as long as the threshold: it counts (never more lenient than documented).
    black_spec = checks.video_black
    black = (
        long_enough(d.black, black_spec.min_duration_s - black_spec.look_s()) if black_spec.enabled else []
    )
    if run.has_video and black_spec.enabled:
        findings.append(_black(run, black_spec, black))
    if run.has_video and checks.video_frozen.enabled:
        spec = checks.video_frozen
        # a black picture is also a still one: report it once, as black (when black is checked)
        frozen = [f for f in d.frozen if not any(_covers(b, f) for b in black)]
        found = in_media_time(run, frozen, spec.min_duration_s)
        findings.append(
            interval_finding(
                run,
                "video-frozen",
                "frozen picture",
                found,
                spec=spec,
                threshold=f"frames differ by less than {spec.noise_db:g} dB",
            )
        )
    for track in range(run.audio_tracks):
        findings += _audio(run, track, checks)
    if run.has_video and checks.video_hdr_signalling.enabled:
        from playgate.decode.hdr import hdr_finding

        findings.append(hdr_finding(run, checks.video_hdr_signalling))
    if checks.decode_clean.enabled:
        findings.append(_clean(run, checks, timed_out))
    if timed_out:
        findings.append(
            finding(
                "decode-incomplete",
                "warning",
                False,
                where(run),
                actual=d.decoded_s,
                expected=f"{run.seconds:g} s decoded",
                message=f"decode-incomplete: {where(run)}: the time limit stopped ffmpeg after "
                f"{d.decoded_s or 0:g} s; the checks above cover only that part",
            )
        )
    return findings


def _black(run: WindowRun, spec: BlackCheck, black: list[Interval]) -> Finding:
    threshold = f"{spec.picture_threshold:.0%} of pixels below {spec.pixel_threshold:.0%} luminance"
    if look := spec.look_s():
        threshold += (
            f"; on {spec.sample_fps:g} pictures a second, so ≥ {spec.min_duration_s - look:g} s measured"
        )
    found = in_media_time(run, black, 0)
    return interval_finding(run, "video-black", "black picture", found, spec=spec, threshold=threshold)


def _covers(outer: Interval, inner: Interval, slack_s: float = 0.2) -> bool:
    return outer.start_s - slack_s <= inner.start_s and inner.end_s <= outer.end_s + slack_s


def _audio(run: WindowRun, track: int, checks: DecodeChecks) -> list[Finding]:
    findings: list[Finding] = []
    subject = f"{where(run)} audio track {track}"
    if checks.audio_silence.enabled:
        spec = checks.audio_silence
        found = in_media_time(run, run.decoded.silence.get(track, []), spec.min_duration_s)
        findings.append(
            interval_finding(
                run,
                "audio-silence",
                "silence",
                found,
                spec=spec,
                subject=subject,
                threshold=f"below {spec.noise_db:g} dB",
            )
        )
    from playgate.decode.sound_checks import sound_findings  # it builds on this module's helpers

    return findings + sound_findings(run, track, subject, checks)


def _clean(run: WindowRun, checks: DecodeChecks, timed_out: bool) -> Finding:
    d, declared, spec = run.decoded, run.declared, checks.decode_clean
    problems: list[str] = []
    if d.error_count:
        problems.append(f"{d.error_count} decode error(s), first: {d.errors[0]}")
    if run.has_video and not d.frames:
        problems.append("no video frame decoded")
    size, declared_size = (d.width, d.height), (declared.width, declared.height)
    if run.has_video and all(size) and all(declared_size) and size != declared_size:
        problems.append(f"decoded {d.width}x{d.height}, declared {declared.width}x{declared.height}")
    fps = d.fps
    if run.has_video and declared.fps and fps and abs(fps - declared.fps) > spec.fps_tolerance:
        problems.append(f"decoded {fps:.3g} fps, declared {declared.fps:g}")
    if declared.channels:
        wrong = {t: c for t, c in d.channels.items() if c != declared.channels}
        problems += [
            f"audio track {t}: {c} channels decoded, {declared.channels} declared" for t, c in wrong.items()
        ]
    if not timed_out and (short := _short_by(run)) is not None:
        problems.append(f"decoding stopped {short:.3g} s before the window's end (truncated?)")
    actual = {
        "errors": d.error_count,
        "first_errors": d.errors,
        "width": d.width,
        "height": d.height,
        "fps": round(fps, 3) if fps else None,
        "channels": [d.channels[t] for t in sorted(d.channels)],
        "decoded_s": d.decoded_s,
    }
    expected = "no decode errors; " + _declared_text(declared)
    message = "; ".join(problems) if problems else "decoded without errors, as declared"
    if (unchecked := d.source.audio_tracks - d.audio_tracks) > 0:  # beyond the tracks one run decodes
        actual["unchecked_audio_tracks"] = unchecked
        message += f" (the last {unchecked} of {d.source.audio_tracks} audio tracks were not decoded)"
    return finding(
        "decode-clean",
        spec.severity,
        not problems,
        where(run),
        actual=actual,
        expected=expected,
        message=f"decode-clean: {where(run)}: {message}",
    )


def _short_by(run: WindowRun) -> float | None:
    """How far decoding fell short of the window, when the media is known to be long enough."""
    d, declared = run.decoded, run.declared
    if d.decoded_s is None or declared.duration_s is None:
        return None
    wanted = min(run.seconds, declared.duration_s - run.start_s)
    short = wanted - d.decoded_s
    return short if short > 0.5 else None


def _declared_text(declared: Declared) -> str:
    parts = []
    if declared.width and declared.height:
        parts.append(f"{declared.width}x{declared.height}")
    if declared.fps:
        parts.append(f"{declared.fps:g} fps")
    if declared.channels:
        parts.append(f"{declared.channels} channels")
    return ", ".join(parts) if parts else "nothing declared to compare"
