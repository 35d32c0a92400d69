"""Decode what ``playgate probe --decode`` names: URLs (an HLS master's chosen variants) and local files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from playgate.decode.checks import intervals
from playgate.decode.engine import Target, decode_target
from playgate.decode.ffmpeg import Tools
from playgate.decode.spec import DecodeSpec, Window
from playgate.rules.report import Finding

if TYPE_CHECKING:
    from playgate.decode.guard import GuardProxy


def decode_sources(
    sources: Sequence[str],
    spec: DecodeSpec,
    tools: Tools,
    settings: Any,
    *,
    deadline: float | None,
    windows: Sequence[Window] | None = None,
    frames: dict[tuple[str, float], str] | None = None,
    compare_with: str = "",
) -> list[Finding]:
    """Every target's findings, the targets decoded side by side as far as the cores and memory allow;
    with ``frames``, it is filled with a frame at the start of each interval found, keyed by (subject,
    start in seconds), for the HTML report. ``compare_with``: the source file every target is compared
    with (video-matches-source)."""
    from playgate.decode.frames import grab_frames
    from playgate.decode.ladder import targets_for
    from playgate.decode.parallel import decode_each
    from playgate.probe.fetch import Fetcher
    from playgate.probe.runner import allow_hosts

    def decode(target: Target, guard: GuardProxy) -> list[Finding]:
        found = decode_target(
            target, spec, tools, timeout_s=settings.decode_timeout_s, deadline=deadline, windows=windows,
            guard=guard,
        )  # fmt: skip
        if frames is not None:
            timed = [(f.subject, i["start_s"]) for f in found for i in intervals(f)]
            starts = [at for _, at in timed]
            taken = grab_frames(target, starts, tools, guard=guard, deadline=deadline)
            frames.update({(subject, at): taken[at] for subject, at in timed if at in taken})
        return found

    with Fetcher(allow_hosts=allow_hosts(settings), deadline=deadline) as fetcher:
        found = [target for source in sources for target in targets_for(source, spec.renditions, fetcher)]
        targets = [replace(target, compare_with=compare_with) for target in found]
        cap = getattr(settings, "decode_parallel", None)  # unset in a settings-like object: automatic
        return decode_each(targets, fetcher, decode, cap)
