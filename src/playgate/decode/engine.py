"""Decode windows of a rendition (a URL or a local file) and turn what ffmpeg saw into findings.

ffmpeg reads the signed URL itself, only as far as the window needs (no full download), under a time
limit that ends before the caller's deadline. Subjects and messages never carry a URL's query.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from playgate.decode import ffprobe
from playgate.decode.checks import Declared, WindowRun, window_findings
from playgate.decode.command import ffmpeg_argv, input_options
from playgate.decode.ffmpeg import MEMORY_LIMIT_BYTES, Ran, Tools, child_env, run, strip_queries
from playgate.decode.parse import Decoded, parse_run
from playgate.decode.picture import picture_findings
from playgate.decode.spec import DecodeSpec, Renditions, Window
from playgate.log import get_logger
from playgate.probe.fetch import public_url
from playgate.rules.report import Finding

if TYPE_CHECKING:
    from playgate.decode.guard import GuardProxy

PROBE_TIMEOUT_S = 10.0
MIN_WINDOW_BUDGET_S = 1.0  # not worth starting ffmpeg with less
T = TypeVar("T")
_ERROR_LINE = re.compile(r"\[(?:error|fatal)\] ")
_OUT_OF_MEMORY = "Cannot allocate memory"  # ENOMEM: ffmpeg reached its memory ceiling


@dataclass(frozen=True)
class Target:
    """One thing to decode: a URL exactly as ICE returned it, or a local path."""

    source: str
    label: str = ""  # 'rendition[2] 720p hls'
    declared: Declared = field(default_factory=Declared)
    refusal: str = ""  # why it is not opened at all (e.g. a file: variant in a fetched master)
    compare_with: str = ""  # its source (a URL or a local path), for video-matches-source

    @property
    def remote(self) -> bool:
        return urlsplit(self.source).scheme.lower() in ("http", "https")

    @property
    def needs_guard(self) -> bool:
        return self.remote or urlsplit(self.compare_with).scheme.lower() in ("http", "https")

    @property
    def subject(self) -> str:
        shown = public_url(self.source) if self.remote else self.source
        return f"{self.label} {shown}".strip()


def pick(items: Sequence[T], which: Renditions, size: Callable[[T], Any]) -> list[T]:
    """The rungs to decode: by ``size`` (e.g. height, then bitrate), the lowest and/or the highest."""
    ordered = sorted(items, key=size)
    if which == "all" or len(ordered) <= 1:
        return list(ordered)
    chosen = {"lowest": [ordered[0]], "highest": [ordered[-1]]}.get(which, [ordered[0], ordered[-1]])
    return chosen


def decode_target(
    target: Target,
    spec: DecodeSpec,
    tools: Tools,
    *,
    timeout_s: float,
    deadline: float | None = None,
    windows: Sequence[Window] | None = None,
    guard: GuardProxy | None = None,
) -> list[Finding]:
    """Every window of ``target`` decoded and checked. Never raises for a bad input: it is a finding.

    ffmpeg reads a remote target only through ``guard`` (one with the probe's default rules when none is
    given). One ffmpeg run per window describes the input as it decodes it; ffprobe runs only when a
    window starts later than 0 s and the media's duration is not known yet (it places the window).
    """
    if target.refusal:
        return [_unreadable(target, [target.refusal], spec)]
    if target.needs_guard and guard is None:
        from playgate.decode.guard import GuardProxy
        from playgate.probe.fetch import Fetcher

        with Fetcher(deadline=deadline) as fetcher, GuardProxy(fetcher) as own:
            return decode_target(
                target, spec, tools, timeout_s=timeout_s, deadline=deadline, windows=windows, guard=own
            )

    def budget() -> float:
        left = timeout_s if deadline is None else min(timeout_s, deadline - time.monotonic())
        return max(left, 0.0)

    guarded = guard if target.remote else None
    proxy = guarded.url if guarded else None
    source = guarded.local_form(target.source) if guarded else target.source
    env = child_env(proxy)
    duration = target.declared.duration_s
    findings: list[Finding] = []
    for window in windows or spec.windows:
        mark = len(guarded.refusals) if guarded else 0
        if duration is None and window.start != 0:
            try:
                duration = _duration(source, proxy, tools, min(PROBE_TIMEOUT_S, budget()), env)
            except ffprobe.Unreadable as exc:
                return [_unreadable(target, [*_refused(guarded, mark), str(exc)], spec)]
        start = window.start_s(duration)
        left = budget()
        if left < MIN_WINDOW_BUDGET_S:
            findings.append(_no_time(target, start, window.seconds, left))
            continue
        argv = ffmpeg_argv(
            tools.ffmpeg, source, start_s=start, seconds=window.seconds, checks=spec.checks, proxy=proxy
        )
        began = time.monotonic()
        ran = run(argv, left, env=env)
        decoded = parse_run(ran.stdout, ran.stderr)
        refused = _refused(guarded, mark)
        if _OUT_OF_MEMORY in ran.stderr:
            findings.append(_out_of_memory(target, start, window.seconds, refused))
            if not (decoded.has_video or decoded.audio_tracks):
                continue
        if not decoded.opened or not (decoded.has_video or decoded.audio_tracks):
            return [_unreadable(target, [*refused, _why_unreadable(ran, left)], spec)]
        decoded.errors[:0] = refused
        decoded.error_count += len(refused)
        duration = duration or decoded.source.duration_s
        _log(target, start, window.seconds, ran, decoded, time.monotonic() - began)
        window_run = WindowRun(
            target.subject, start, window.seconds, decoded, decoded.audio_tracks, decoded.has_video,
            _declared(target.declared, decoded),
        )  # fmt: skip
        findings += window_findings(window_run, spec.checks, timed_out=ran.timed_out)
        findings += picture_findings(window_run, spec.checks)
        if spec.checks.video_matches_source.enabled and decoded.has_video:
            from playgate.decode.compare import against_source

            compare = spec.checks.video_matches_source
            findings.append(against_source(target, window_run, compare, tools, guard=guard, left=budget()))
    return findings


def _duration(
    source: str, proxy: str | None, tools: Tools, timeout_s: float, env: dict[str, str]
) -> float | None:
    return ffprobe.probe(tools, source, input_options(proxy), timeout_s, env=env).duration_s


def _refused(guarded: GuardProxy | None, mark: int) -> list[str]:
    return [f"refused {r}" for r in guarded.refused_since(mark)] if guarded else []


def _why_unreadable(ran: Ran, left: float) -> str:
    if ran.timed_out:
        return f"ffmpeg did not finish within {left:.3g} s and read nothing"
    errors = [line.split("] ")[-1] for line in ran.stderr.splitlines() if _ERROR_LINE.search(line)]
    return (errors[-1] if errors else f"exit status {ran.returncode}, no video or audio stream")[:300]


def _log(target: Target, start: float, seconds: float, ran: Ran, decoded: Decoded, wall_s: float) -> None:
    logger = get_logger("playgate.decode")
    logger.debug(  # debug: the CLI's stdout carries the report, and FC logs stay short
        "decode window",
        subject=target.subject,
        start_s=start,
        seconds=seconds,
        decoded_s=decoded.decoded_s,
        decode_errors=decoded.error_count,
        timed_out=ran.timed_out,
        exit_status=ran.returncode,
        wall_s=round(wall_s, 3),
    )
    logger.debug("ffmpeg output", subject=target.subject, stderr_tail=ran.stderr[-2000:])  # queries stripped


def _declared(given: Declared, decoded: Decoded) -> Declared:
    """What the caller declared, completed by the input's own description where it said nothing."""
    source = decoded.source
    return replace(
        given,
        width=given.width or source.width,
        height=given.height or source.height,
        fps=given.fps or source.fps,
        duration_s=given.duration_s or source.duration_s,
    )


def _unreadable(target: Target, reasons: list[str], spec: DecodeSpec) -> Finding:
    reason = "; ".join(reasons)
    severity = spec.checks.decode_clean.severity
    return Finding.model_construct(
        rule="decode-clean",
        severity=severity,
        outcome="fail" if severity == "error" else "warn",
        subject=target.subject,
        check="decode.decode-clean",
        actual={"readable": False, "reason": strip_queries(reason)},
        expected="a stream ffmpeg can open and decode",
        message=f"decode-clean: {target.subject} cannot be read: {strip_queries(reason)}",
        source=None,
        error=None,
    )


def _no_time(target: Target, start: float, seconds: float, left: float) -> Finding:
    expected = f"at least {MIN_WINDOW_BUDGET_S:g} s left before the deadline"
    why = f"only {left:.3g} s were left before the deadline"
    return _incomplete(target, start, seconds, round(left, 3), expected, why)


def _out_of_memory(target: Target, start: float, seconds: float, refused: list[str]) -> Finding:
    mib = MEMORY_LIMIT_BYTES // 2**20
    why = "; ".join([f"ffmpeg ran out of memory at its ceiling of {mib} MiB", *refused])
    return _incomplete(target, start, seconds, {"memory_ceiling_mib": mib}, f"at most {mib} MiB", why)


def _incomplete(
    target: Target, start: float, seconds: float, actual: Any, expected: str, why: str
) -> Finding:
    return Finding.model_construct(
        rule="decode-incomplete",
        severity="warning",
        outcome="warn",
        subject=f"{target.subject} (window {start:g}–{start + seconds:g} s)",
        check="decode.decode-incomplete",
        actual=actual,
        expected=expected,
        message=f"decode-incomplete: {target.subject}: the window at {start:g} s was not decoded "
        f"completely: {strip_queries(why)}",
        source=None,
        error=None,
    )
