"""video-matches-source: a rendition against its source, PSNR and SSIM over the decoded window.

A second ffmpeg run with two inputs, both seeked to the window: the source is scaled to the size the
rendition decoded at (bicubic, swscale's default), both pictures are brought to limited range as
their own flags say (a rendition whose pixels and range flag disagree then differs from its source by
measurement), and psnr then ssim compare them picture by picture; metadata prints each picture's
scores with its time, so the worst pictures are placed in media time and a run stopped by the time
limit still scores what it compared. A remote source is read through the guard, like the rendition.

Limits: a rendition at another frame rate is compared with the source picture shown at its time; an
intended conversion (HDR to SDR, a deliberate crop) fails as a bad encode would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING

from playgate.decode.checks import WindowRun, finding, where
from playgate.decode.command import input_options
from playgate.decode.ffmpeg import Ran, Tools, child_env, run
from playgate.probe.fetch import public_url
from playgate.rules.report import Finding

if TYPE_CHECKING:
    from playgate.decode.engine import Target
    from playgate.decode.guard import GuardProxy
    from playgate.decode.spec import DecodeSpec, SourceCheck

RULE = "video-matches-source"
WORST_FRAMES = 3
MAX_PSNR_DB = 100.0  # identical pictures: psnr says inf
MIN_BUDGET_S = 1.0
_SCORE = re.compile(r"\[metadata@(?P<metric>psnr|ssim) @ 0x[0-9a-f]+\] \[info\] (?P<msg>.*)$")
_TIME = re.compile(r"pts_time:(?P<t>\S+)")
_VALUE = re.compile(r"^lavfi\.\S+=(?P<v>\S+)$")


def with_source_check(spec: DecodeSpec) -> DecodeSpec:
    """``spec`` with video-matches-source on (a source was given), its thresholds as the profile set them."""
    checks = spec.checks
    on = checks.video_matches_source.model_copy(update={"enabled": True})
    return spec.model_copy(update={"checks": checks.model_copy(update={"video_matches_source": on})})


@dataclass(frozen=True)
class Score:
    """One compared picture: its time in the window, and its scores."""

    at_s: float
    psnr_db: float
    ssim: float


def compare_argv(
    ffmpeg: str,
    rendition: list[str],
    source: list[str],
    *,
    start_s: float,
    seconds: float,
    size: tuple[int, int],
) -> list[str]:
    """``rendition`` and ``source`` are each an input's options ending with its name."""
    width, height = size
    graph = (
        f"[1:V:0]scale={width}:{height}:out_range=tv,format=yuv420p,split[r1][r2];"
        "[0:V:0]scale=out_range=tv,format=yuv420p[d];[d][r1]psnr[p];[p][r2]ssim,"
        "metadata@psnr=mode=print:key=lavfi.psnr.psnr_avg,metadata@ssim=mode=print:key=lavfi.ssim.All[out]"
    )
    seek = ["-ss", f"{start_s:.3f}"] if start_s > 0 else []
    window = [*seek, "-t", f"{seconds:.3f}", "-threads", "1"]
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "repeat+level+info",
        "-filter_threads", "1", *window, *rendition[:-1], "-i", rendition[-1],
        *window, *source[:-1], "-i", source[-1],
        "-filter_complex", graph, "-map", "[out]", "-f", "null", "-",
    ]  # fmt: skip


def read_scores(stderr: str) -> list[Score]:
    """Each picture psnr and ssim both scored, in time order."""
    now: dict[str, float] = {}
    values: dict[str, dict[float, float]] = {"psnr": {}, "ssim": {}}
    for line in stderr.splitlines():
        if (m := _SCORE.search(line)) is None:
            continue
        metric, msg = m["metric"], m["msg"]
        if (t := _TIME.search(msg)) and (at := _float(t["t"])) is not None:
            now[metric] = at
        elif (v := _VALUE.match(msg)) and metric in now and (value := _float(v["v"])) is not None:
            values[metric][now[metric]] = min(value, MAX_PSNR_DB)
    psnr, ssim = values["psnr"], values["ssim"]
    return [Score(at, psnr[at], ssim[at]) for at in sorted(psnr.keys() & ssim.keys())]


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def against_source(
    target: Target,
    window: WindowRun,
    spec: SourceCheck,
    tools: Tools,
    *,
    guard: GuardProxy | None,
    left: float,
) -> Finding:
    """The window of ``target`` compared with the same window of ``target.compare_with``."""
    if not target.compare_with:
        return _not_compared(window, spec)
    shown = _shown(target.compare_with)
    d = window.decoded
    if not (d.width and d.height):
        return _could_not(window, shown, "the rendition's picture size is not known")
    if left < MIN_BUDGET_S:
        return _could_not(window, shown, f"only {left:.3g} s were left before the deadline")
    try:
        rendition, source = _input(target.source, guard), _input(target.compare_with, guard)
    except ValueError as exc:
        return _could_not(window, shown, str(exc))
    argv = compare_argv(
        tools.ffmpeg,
        rendition,
        source,
        start_s=window.start_s,
        seconds=window.seconds,
        size=(d.width, d.height),
    )
    mark = len(guard.refusals) if guard else 0
    # each input is read on a thread of its own, and glibc gives each thread a malloc arena that
    # reserves 64 MiB or more of address space: under the memory ceiling two arenas are enough
    env = {**child_env(guard.url if guard else None), "MALLOC_ARENA_MAX": "2"}
    ran = run(argv, left, env=env)
    scores = read_scores(ran.stderr)
    if not scores:
        refused = [f"refused {r}" for r in guard.refused_since(mark)] if guard else []
        return _could_not(window, shown, "; ".join([*refused, _why(ran)])[:300])
    return _judged(window, spec, scores, shown, ran.timed_out)


def _remote(name: str) -> bool:
    return name.lower().startswith(("http://", "https://"))


def _input(name: str, guard: GuardProxy | None) -> list[str]:
    if not _remote(name):
        return [*input_options(None), name]
    if guard is None:
        raise ValueError("a remote input is read only through the guard, and there is none")
    return [*input_options(guard.url), guard.local_form(name)]


def _shown(name: str) -> str:
    return public_url(name) if _remote(name) else name


def _why(ran: Ran) -> str:
    if ran.timed_out:
        return "the time limit stopped ffmpeg before a picture was compared"
    errors = [
        line.split("] ")[-1] for line in ran.stderr.splitlines() if "[error]" in line or "[fatal]" in line
    ]
    return errors[-1] if errors else f"exit status {ran.returncode}, no picture compared"


def _judged(
    window: WindowRun, spec: SourceCheck, scores: list[Score], shown: str, timed_out: bool
) -> Finding:
    psnr, ssim = fmean(s.psnr_db for s in scores), fmean(s.ssim for s in scores)
    worst = sorted(scores, key=lambda s: (s.psnr_db, s.ssim))[:WORST_FRAMES]
    least_ssim = min(scores, key=lambda s: s.ssim)

    def at(score: Score) -> float:  # in media time
        return round(window.start_s + score.at_s, 3)

    actual = {
        "psnr_db": {"average": round(psnr, 2), "worst": round(worst[0].psnr_db, 2)},
        "ssim": {"average": round(ssim, 4), "worst": round(least_ssim.ssim, 4)},
        "frames": len(scores),
        "worst_frames": [
            {"at_s": at(s), "psnr_db": round(s.psnr_db, 2), "ssim": round(s.ssim, 4)} for s in worst
        ],
        "source": shown,
    }
    expected = (
        f"average PSNR ≥ {spec.min_psnr_db:g} dB and average SSIM ≥ {spec.min_ssim:g} against the source"
    )
    ok = psnr >= spec.min_psnr_db and ssim >= spec.min_ssim
    subject = where(window)
    measured = (
        f"PSNR {psnr:.1f} dB average (worst {worst[0].psnr_db:.1f} dB at {at(worst[0]):g} s), "
        f"SSIM {ssim:.3f} average (worst {least_ssim.ssim:.3f} at {at(least_ssim):g} s), "
        f"{len(scores)} pictures"
    )
    cut = "; the time limit stopped the comparison early" if timed_out else ""
    verdict = "" if ok else f"; expected {expected}"
    message = f"{RULE}: {subject} against {shown}: {measured}{verdict}{cut}"
    return finding(RULE, spec.severity, ok, subject, actual=actual, expected=expected, message=message)


def _not_compared(window: WindowRun, spec: SourceCheck) -> Finding:
    subject = where(window)
    message = f"{RULE}: {subject}: not compared: no source is known (GetMediaInfo's source_file, or --source)"
    return finding(
        RULE, spec.severity, True, subject, actual=None, expected="a source to compare with", message=message
    )


def _could_not(window: WindowRun, shown: str, why: str) -> Finding:
    """The comparison could not run: a warning whatever the check's severity (not the rendition's fault)."""
    subject = where(window)
    message = f"{RULE}: {subject}: could not be compared with {shown}: {why}"
    actual = {"compared": False, "reason": why, "source": shown}
    return finding(
        RULE, "warning", False, subject, actual=actual, expected="a source ffmpeg can read", message=message
    )
