"""The gate's probe step: with the profile's ``probe`` mode (or PLAYGATE_PROBE), probe every playable
rendition before it is published, and add the findings to the rules' report.

Imported by gate.py only when a profile probes; the format modules are imported only when used.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from playgate import log
from playgate.probe.checks import PROBE_MODES, CheckSettings, effective_checks
from playgate.probe.results import Results, StreamFacts
from playgate.rules.report import Report

if TYPE_CHECKING:
    from playgate.ice.model import MediaSnapshot, Rendition
    from playgate.rules.compiler import CompiledProfile
    from playgate.seams import RuleSet
    from playgate.settings import Settings

CHECK = "rendition-matches-play-info"
PUBLISH_RESERVE_S = 1.0


def checks_for(profile: CompiledProfile | None) -> dict[str, CheckSettings]:
    """The probe checks as a compiled profile (or None: the built-in defaults) sets them."""
    if profile is None:
        return effective_checks()
    return effective_checks(
        getattr(profile, "probe_checks", None), getattr(profile, "probe_disabled", frozenset())
    )


def probe_mode(settings: Settings, profile: CompiledProfile | None) -> str:
    """PLAYGATE_PROBE for all profiles, else the profile's ``probe:``, else none."""
    return getattr(settings, "probe", None) or getattr(profile, "probe", None) or PROBE_MODES[0]


def probe_snapshot(
    snapshot: MediaSnapshot, report: Report, rules: RuleSet, settings: Settings, deadline: float | None
) -> Report:
    """The report with the probe's findings added.

    Nothing is probed when the mode is none, or when the rules already failed the media (the alert
    goes out either way; the probe would only spend the function's time).
    """
    profile = getattr(rules, "profiles", {}).get(report.profile)
    if probe_mode(settings, profile) == "none" or report.outcome == "fail":
        return report
    from playgate.probe.runner import Target, make_fetcher, probe_targets
    from playgate.publish.messages import playable

    chosen = [(i, r) for i, r in enumerate(snapshot.renditions) if playable(r)]
    if not chosen:
        return report
    results = Results(checks_for(profile))
    targets = [Target(r.play_url or "", subject(i, r)) for i, r in chosen]  # playable: it has a URL
    # the message still has to be published after the probe, before the same deadline
    probe_deadline = None if deadline is None else deadline - PUBLISH_RESERVE_S
    started = time.monotonic()
    with make_fetcher(settings, results, probe_deadline) as fetcher:
        probe_targets(targets, fetcher, results, max_segments=settings.probe_max_segments)
    timings = {"probe_s": round(time.monotonic() - started, 3)}
    log.get_logger().info(
        "probe.done",  # no URLs here: the findings carry them without their queries
        media_id=report.media_id,
        renditions=len(targets),
        requests=fetcher.requests_made,
        not_started=fetcher.not_started,
        elapsed_ms=round(timings["probe_s"] * 1000),
    )
    for (_, rendition), target in zip(chosen, targets, strict=True):
        match_play_info(results, target.subject, rendition, target.facts)
    findings = [*report.findings, *results.findings()]
    if probe_mode(settings, profile) == "decode":
        from playgate.decode.gate import decode_snapshot

        started = time.monotonic()
        findings += decode_snapshot(snapshot, profile, settings, probe_deadline, subject)
        timings["decode_s"] = round(time.monotonic() - started, 3)
    return Report.from_findings(report.profile, report.media_id, findings, timings)


def subject(index: int, rendition: Rendition) -> str:
    """Named as the rules name renditions: 'rendition[2] HD m3u8'."""
    return " ".join(p for p in (f"rendition[{index}]", rendition.definition, rendition.format) if p)


def match_play_info(results: Results, name: str, rendition: Rendition, facts: StreamFacts) -> None:
    """What the stream declares (or, without declarations, measures) against GetPlayInfo."""
    if not results.enabled(CHECK):
        return
    if facts.width and facts.height and rendition.width and rendition.height:
        results.ran(CHECK, name)
        if (facts.width, facts.height) != (rendition.width, rendition.height):
            results.problem(
                CHECK,
                name,
                actual={"stream": f"{facts.width}x{facts.height}"},
                expected=f"{rendition.width}x{rendition.height} (GetPlayInfo)",
                message=(
                    f"{name}: the stream declares {facts.width}x{facts.height}, GetPlayInfo says "
                    f"{rendition.width}x{rendition.height}"
                ),
            )
    stream_bps, what = _stream_bitrate(facts)
    if stream_bps and rendition.bitrate_kbps:
        results.ran(CHECK, name)
        tolerance = float(results.param(CHECK, "bitrate_tolerance"))
        expected_bps = rendition.bitrate_kbps * 1000
        if abs(stream_bps - expected_bps) > expected_bps * tolerance:
            results.problem(
                CHECK,
                name,
                actual={what: round(stream_bps)},
                expected=f"within {tolerance:.0%} of {rendition.bitrate_kbps:g} kb/s (GetPlayInfo)",
                message=(
                    f"{name}: the stream's {what.replace('_', ' ')} is {stream_bps / 1000:.0f} kb/s, "
                    f"GetPlayInfo says {rendition.bitrate_kbps:g} kb/s"
                ),
            )


def _stream_bitrate(facts: StreamFacts) -> tuple[float | None, str]:
    if facts.average_bandwidth_bps:
        return float(facts.average_bandwidth_bps), "average_bandwidth_bps"
    if facts.bandwidth_bps:
        return float(facts.bandwidth_bps), "bandwidth_bps"
    return facts.measured_average_bps, "measured_average_bps"
