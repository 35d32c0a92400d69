"""Decode windows of a rendition (a URL or a local file) and turn what ffmpeg saw into findings.

ffmpeg reads the signed URL itself, only as far as the window needs (no full download), under a time
limit that ends before the caller's deadline. Subjects and messages never carry a URL's query.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from playgate.decode import ffprobe
from playgate.decode.checks import Declared, WindowRun, window_findings
from playgate.decode.command import ffmpeg_argv, input_options
from playgate.decode.ffmpeg import Ran, Tools, child_env, run, strip_queries
from playgate.decode.parse import Decoded, parse_run
from playgate.decode.spec import DecodeSpec, Renditions, Window
from playgate.log import get_logger
from playgate.probe.fetch import public_url
from playgate.rules.report import Finding

if TYPE_CHECKING:
    from playgate.decode.guard import GuardProxy

PROBE_TIMEOUT_S = 10.0
MIN_WINDOW_BUDGET_S = 1.0  # not worth starting ffmpeg with less
T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    """One thing to decode: a URL exactly as ICE returned it, or a local path."""

    source: str
    label: str = ""  # 'rendition[2] 720p hls'
    declared: Declared = field(default_factory=Declared)

    @property
    def remote(self) -> bool:
        return urlsplit(self.source).scheme.lower() in ("http", "https")

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

    A remote target is fetched through ``guard`` (the probe's fetching rules) when one is given.
    """

    def budget() -> float:
        left = timeout_s if deadline is None else min(timeout_s, deadline - time.monotonic())
        return max(left, 0.0)

    guarded = guard if target.remote else None
    env = child_env(guarded.url if guarded else None)
    opts = input_options(target.remote)
    mark = len(guarded.refusals) if guarded else 0
    try:
        probed = ffprobe.probe(tools, target.source, opts, min(PROBE_TIMEOUT_S, budget()), env=env)
    except ffprobe.Unreadable as exc:
        refused = guarded.refused_since(mark) if guarded else []
        return [_unreadable(target, "; ".join([*(f"refused {r}" for r in refused), str(exc)]), spec)]
    declared = _declared(target.declared, probed)
    findings: list[Finding] = []
    for window in windows or spec.windows:
        start = window.start_s(probed.duration_s)
        left = budget()
        if left < MIN_WINDOW_BUDGET_S:
            findings.append(_no_time(target, start, window.seconds, left))
            continue
        argv = ffmpeg_argv(
            tools.ffmpeg,
            target.source,
            start_s=start,
            seconds=window.seconds,
            has_video=bool(probed.video),
            audio_tracks=len(probed.audio),
            checks=spec.checks,
            remote=target.remote,
        )
        began = time.monotonic()
        mark = len(guarded.refusals) if guarded else 0
        ran = run(argv, left, env=env)
        decoded = parse_run(ran.stdout, ran.stderr, len(probed.audio), bool(probed.video))
        if guarded and (refused := guarded.refused_since(mark)):
            decoded.errors[:0] = [f"refused {r}" for r in refused]
            decoded.error_count += len(refused)
        _log(target, start, window.seconds, ran, decoded, time.monotonic() - began)
        window_run = WindowRun(
            target.subject, start, window.seconds, decoded, len(probed.audio), bool(probed.video), declared
        )
        findings += window_findings(window_run, spec.checks, timed_out=ran.timed_out)
    return findings


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


def _declared(given: Declared, probed: ffprobe.Probed) -> Declared:
    """What the caller declared, completed by the container's own description where it said nothing."""
    video = probed.video[0] if probed.video else {}
    return replace(
        given,
        width=given.width or video.get("width"),
        height=given.height or video.get("height"),
        fps=given.fps or ffprobe.fps(video),
        duration_s=given.duration_s or probed.duration_s,
    )


def _unreadable(target: Target, reason: str, spec: DecodeSpec) -> Finding:
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
    return Finding.model_construct(
        rule="decode-incomplete",
        severity="warning",
        outcome="warn",
        subject=f"{target.subject} (window {start:g}–{start + seconds:g} s)",
        check="decode.decode-incomplete",
        actual=round(left, 3),
        expected=f"at least {MIN_WINDOW_BUDGET_S:g} s left before the deadline",
        message=f"decode-incomplete: {target.subject}: the window at {start:g} s was not decoded, "
        f"only {left:.3g} s were left before the deadline",
        source=None,
        error=None,
    )
