"""The probe's checks: ids, default severities and thresholds, and what a rule file changes.

Kept free of I/O and heavy imports: the rules compiler validates ``probe_checks:`` against ``CHECKS``.
A profile says how far to probe (``probe: none | manifest``) and may change any check::

    probe: manifest
    probe_checks:
      hls-bandwidth-matches-measured: {tolerance: 0.2, severity: warning}
      mp4-faststart: {enabled: false}      # or list the id under the profile's ``disable:``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES = ("error", "warning", "info")

# How far the gate probes a media's renditions; the first is the built-in default.
PROBE_MODES: tuple[str, ...] = ("none", "manifest", "decode")  # decode: playgate.decode


@dataclass(frozen=True)
class CheckDef:
    id: str
    severity: Severity
    description: str
    params: dict[str, float | int | bool] = field(default_factory=dict)


def _def(check_id: str, severity: Severity, description: str, **params: float | int | bool) -> CheckDef:
    return CheckDef(check_id, severity, description, dict(params))


CHECKS: dict[str, CheckDef] = {
    c.id: c
    for c in (
        _def(
            "url-reachable",
            "error",
            "every playlist and every probed segment or file answers 2xx within the timeout",
            timeout_s=5.0,
        ),
        _def(
            "hls-playlist-valid",
            "error",
            "the playlist is UTF-8, starts with #EXTM3U, parses, and a VOD playlist ends with #EXT-X-ENDLIST",
            require_endlist=True,
        ),
        _def(
            "hls-variant-attributes",
            "error",
            "every EXT-X-STREAM-INF has BANDWIDTH (error), CODECS and RESOLUTION (warning); RFC 8216 4.3.4.2",
        ),
        _def(
            "hls-extinf-within-target",
            "error",
            "every EXTINF rounded to the nearest integer is at most EXT-X-TARGETDURATION",
        ),
        _def(
            "hls-bandwidth-matches-measured",
            "error",
            "the measured peak segment bit rate is within the tolerance of BANDWIDTH "
            "(RFC 8216 4.3.4.2; Apple's HLS Authoring Specification 9.13)",
            tolerance=0.10,
        ),
        _def(
            "hls-average-bandwidth-matches-measured",
            "error",
            "the measured average bit rate (every segment's bytes over its duration; from a sample: within "
            "3 standard errors) is within the tolerance of AVERAGE-BANDWIDTH (Apple's HLS Authoring "
            "Specification 9.14: 'You MUST include the AVERAGE-BANDWIDTH attribute')",
            tolerance=0.10,
        ),
        _def(
            "hls-target-duration",
            "error",
            "EXT-X-TARGETDURATION is at most recommended_s (a warning above: Apple's HLS Authoring "
            "Specification 7.5, 'Target durations SHOULD be 6 seconds') and at most max_s (an error above)",
            recommended_s=6,
            max_s=10,
        ),
        _def(
            "hls-segments-aligned",
            "warning",
            "the variants' and audio/video renditions' segment boundaries (cumulative EXTINF, from "
            "EXT-X-PROGRAM-DATE-TIME when every playlist dates its first segment) fall at the same "
            "times within tolerance_s (Apple's HLS Authoring Specification 8.22: 'all audio/video "
            "variants and renditions SHOULD have segment boundaries at the same points in time')",
            tolerance_s=0.05,
        ),
        _def(
            "dash-segments-aligned",
            "warning",
            "the Representations of an AdaptationSet have segment boundaries (SegmentTimeline, "
            "SegmentTemplate or SegmentList durations) at the same times within tolerance_s, "
            "so switching needs no overlap",
            tolerance_s=0.05,
        ),
        _def(
            "rendition-matches-play-info",
            "error",
            "the resolution and bit rate a rendition's stream declares agree with GetPlayInfo",
            bitrate_tolerance=0.25,
        ),
        _def(
            "dash-mpd-valid",
            "error",
            "the MPD parses; every Representation has bandwidth, codecs (and width and height for video); "
            "its segment template resolves and its first segment is reachable",
        ),
        _def(
            "file-is-media",
            "error",
            "a progressive file's first bytes are of the format its URL or Content-Type names",
        ),
        _def("mp4-faststart", "warning", "progressive MP4 keeps moov before mdat"),
        _def(
            "segment-starts-with-keyframe",
            "error",
            "every probed video segment starts with a picture players can switch on: IDR (H.264), "
            "IRAP (HEVC)",
        ),
        _def(
            "variant-matches-segments",
            "error",
            "a variant's CODECS, RESOLUTION and FRAME-RATE (a Representation's codecs, width, height, "
            "frameRate) are what its segments contain",
            frame_rate_tolerance=0.01,
        ),
        _def(
            "probe-incomplete",
            "warning",
            "the probe finished every request it planned before the function's deadline",
        ),
    )
}

# Severities a check may give a single problem when the rule file does not set one (RFC 8216: a
# missing BANDWIDTH is an error, missing CODECS / RESOLUTION only SHOULD be there).
# A probe stopped by an internal error fails: hostile input that trips a bug must not pass as a warning.
SUB_SEVERITY: dict[tuple[str, str], Severity] = {
    ("probe-incomplete", "internal-error"): "error",
    ("hls-variant-attributes", "CODECS"): "warning",
    ("hls-variant-attributes", "RESOLUTION"): "warning",
    # CODECS declares a higher level than the stream needs: players that could play it pass it over
    ("variant-matches-segments", "level-above"): "warning",
    ("hls-target-duration", "above-recommended"): "warning",
}


@dataclass(frozen=True)
class CheckSettings:
    """A check as one profile runs it."""

    id: str
    enabled: bool
    severity: Severity
    severity_set: bool  # the rule file chose the severity (then it applies to every problem)
    params: dict[str, Any]


def effective_checks(
    overrides: dict[str, dict[str, Any]] | None = None, disabled: set[str] | frozenset[str] = frozenset()
) -> dict[str, CheckSettings]:
    """Every check with the profile's overrides applied (overrides were validated by the compiler)."""
    result = {}
    for check_id, check in CHECKS.items():
        own = dict((overrides or {}).get(check_id) or {})
        severity = own.pop("severity", None)
        enabled = bool(own.pop("enabled", True)) and check_id not in disabled
        result[check_id] = CheckSettings(
            check_id, enabled, severity or check.severity, severity is not None, {**check.params, **own}
        )
    return result


def override_problems(check_id: str, raw: Any) -> list[tuple[str, str, str | None]]:
    """(kind, message, field) for each problem in one ``probe_checks:`` entry."""
    check = CHECKS.get(check_id)
    if check is None:
        return [
            ("unknown_probe_check", f"{check_id!r} is not a probe check; known: {', '.join(CHECKS)}", None)
        ]
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [("wrong_type", f"probe_checks.{check_id} is a mapping (severity, enabled, thresholds)", None)]
    problems: list[tuple[str, str, str | None]] = []
    for key, value in raw.items():
        where = f"probe_checks.{check_id}.{key}"
        if key == "severity":
            if value not in SEVERITIES:
                problems.append(("wrong_type", f"{where} must be one of {', '.join(SEVERITIES)}", where))
        elif key == "enabled":
            if not isinstance(value, bool):
                problems.append(("wrong_type", f"{where} must be true or false", where))
        elif key not in check.params:
            known = ", ".join(["severity", "enabled", *check.params])
            problems.append(
                ("unknown_field", f"{where} is not a setting of {check_id}; known: {known}", where)
            )
        elif not _same_kind(check.params[key], value):
            problems.append(
                ("wrong_type", f"{where} must be {_kind(check.params[key])}, got {value!r}", where)
            )
    return problems


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _kind(default: Any) -> str:
    return "true or false" if isinstance(default, bool) else "a number ≥ 0"
