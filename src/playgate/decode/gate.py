"""The gate's decode step (profile ``probe: decode`` or PLAYGATE_PROBE=decode) and the initializer's check.

The renditions GetPlayInfo lists as playable are ordered by height then bit rate; the profile's
``decode.renditions`` picks which to decode (default the lowest and the highest rung), side by side as
far as the cores and memory allow (decode/parallel.py). Each is read through a guard proxy of its own
over the run's one fetcher, so ffmpeg obeys the probe's fetching rules. ``deadline`` is the probe step's:
the time to publish the verdict is already kept back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the decode engine, the probe's fetcher and urllib3 load only when a media is decoded
    from playgate.decode.checks import Declared
    from playgate.decode.ffmpeg import FfmpegMissing, Tools
    from playgate.ice.model import MediaSnapshot, Rendition
    from playgate.rules.compiler import CompiledProfile
    from playgate.rules.report import Finding
    from playgate.seams import RuleSet
    from playgate.settings import Settings

DECODE = "decode"


def decode_configured(settings: Settings, rules: RuleSet) -> bool:
    """Whether any profile (or PLAYGATE_PROBE for all) decodes."""
    if getattr(settings, "probe", None):
        return settings.probe == DECODE
    return any(getattr(p, "probe", None) == DECODE for p in getattr(rules, "profiles", {}).values())


def require_decoder(settings: Settings, rules: RuleSet) -> Tools | None:
    """For the initializer: when decoding is configured, ffmpeg must run (raises FfmpegMissing)."""
    if not decode_configured(settings, rules):
        return None
    from playgate.decode.ffmpeg import find_tools

    return find_tools(settings.ffmpeg)


def decode_snapshot(
    snapshot: MediaSnapshot,
    profile: CompiledProfile | None,
    settings: Settings,
    deadline: float | None,
    subject: Callable[[int, Rendition], str],
) -> list[Finding]:
    """Findings of decoding the chosen playable renditions of the media. Never raises."""
    from playgate.decode.engine import Target, decode_target, pick
    from playgate.decode.ffmpeg import FfmpegMissing, find_tools
    from playgate.decode.parallel import decode_each
    from playgate.decode.spec import DecodeSpec
    from playgate.probe.fetch import Fetcher
    from playgate.probe.runner import allow_hosts
    from playgate.publish.messages import playable

    spec = getattr(profile, "decode", None) or DecodeSpec()
    rungs = [(i, r) for i, r in enumerate(snapshot.renditions) if playable(r)]
    chosen = pick(rungs, spec.renditions, lambda ir: (ir[1].height or 0, ir[1].bitrate_kbps or 0))
    try:
        tools = find_tools(settings.ffmpeg)
    except FfmpegMissing as exc:  # the initializer checks this; a finding rather than a retry loop
        return [_no_ffmpeg(exc)]
    source = _source_url(snapshot) if spec.checks.video_matches_source.enabled else ""
    targets = [Target(r.play_url or "", subject(i, r), _declared(r), compare_with=source) for i, r in chosen]
    with Fetcher(allow_hosts=allow_hosts(settings), deadline=deadline) as fetcher:
        return decode_each(
            targets,
            fetcher,
            lambda target, guard: decode_target(
                target, spec, tools, timeout_s=settings.decode_timeout_s, deadline=deadline, guard=guard
            ),
            settings.decode_parallel,
        )


def _source_url(snapshot: MediaSnapshot) -> str:
    """The media's source file (GetMediaInfo's FileInfoList entry of type source_file): its http(s) URL.
    Anything else is not opened: ffmpeg would read a bare path as a local file."""
    marked = [f.file_url or "" for f in snapshot.files if f.file_type == "source_file"]
    return next((url for url in marked if url.lower().startswith(("http://", "https://"))), "")


def _declared(rendition: Rendition) -> Declared:
    from playgate.decode.checks import Declared

    return Declared(
        width=rendition.width,
        height=rendition.height,
        fps=rendition.fps,
        duration_s=rendition.duration_s,
        hdr_type=rendition.hdr_type,
    )


def _no_ffmpeg(exc: FfmpegMissing) -> Finding:
    from playgate.rules.report import Finding

    return Finding.model_construct(
        rule="decode-clean",
        severity="error",
        outcome="fail",
        subject="media",
        check="decode.decode-clean",
        actual=None,
        expected="ffmpeg runs",
        message=f"decode-clean: {exc.message}",
        source=None,
        error="ffmpeg_missing",
    )
