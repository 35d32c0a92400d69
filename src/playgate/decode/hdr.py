"""video-hdr-signalling: the dynamic range a rendition's stream signals against the HDR type declared
for it, and a PQ stream's HDR10 metadata (colour.py reads both from the decode's own pass).

What is declared is GetPlayInfo's HDRType (SDR, SDR+, HDR, HDR10, HLG, DolbyVision, HDRVivid) or an
HLS master's VIDEO-RANGE (SDR, PQ, HLG). Dolby Vision is not compared: profile 5 signals no transfer
of its own. A PQ stream is HDR10's (BT.2020, SMPTE ST 2084): players tone-map it with its
mastering-display and content light level metadata, so a PQ stream without them fails.
"""

from __future__ import annotations

from playgate.decode.checks import WindowRun, finding, where
from playgate.decode.colour import Colour
from playgate.decode.spec import HdrCheck
from playgate.rules.report import Finding

RULE = "video-hdr-signalling"
# a declared type (lower case, without spaces) → the dynamic ranges its stream may signal
ALLOWED = {
    "sdr": ("SDR",), "sdr+": ("SDR",), "hdr10": ("PQ",), "pq": ("PQ",), "hlg": ("HLG",),
    "hdr": ("PQ", "HLG"), "hdrvivid": ("PQ", "HLG"),
}  # fmt: skip
NOT_COMPARED = ("dolbyvision",)


def hdr_finding(run: WindowRun, spec: HdrCheck) -> Finding:
    colour, declared = run.decoded.colour, run.declared.hdr_type or None
    allowed, note = _allowed(declared)
    problems = []
    if allowed and colour.dynamic_range not in allowed:
        problems.append(f"declared {declared}: {' or '.join(allowed)} expected")
    missing, unseen = _missing_metadata(colour, spec)
    if missing:
        problems.append(f"no {' and no '.join(missing)} metadata")
    subject, signalled = where(run), _signalled(colour)
    if problems:
        message = f"{RULE}: {subject}: the stream signals {signalled}: {'; '.join(problems)}"
    else:
        said = [f"as {declared} declares" if allowed else note, unseen]
        message = f"{RULE}: {subject}: the stream signals {signalled}; " + "; ".join(s for s in said if s)
    return finding(
        RULE,
        spec.severity,
        not problems,
        subject,
        actual=_actual(colour, declared),
        expected=_expected(declared, allowed, spec),
        message=message,
    )


def _allowed(declared: str | None) -> tuple[tuple[str, ...], str]:
    """The dynamic ranges the declared type allows (none: not compared), and why it is not compared."""
    if not declared:
        return (), "no HDR type declared"
    key = declared.replace(" ", "").lower()
    if key in NOT_COMPARED:
        return (), f"{declared} is not compared"
    if key not in ALLOWED:
        return (), f"HDR type {declared!r} is unknown: not compared"
    return ALLOWED[key], ""


def _missing_metadata(colour: Colour, spec: HdrCheck) -> tuple[list[str], str]:
    """The HDR10 metadata a PQ stream lacks, and a note when its SEI could not be looked at."""
    wanted = (
        ("mastering-display", spec.mastering_display, colour.mastering_display),
        ("content light level", spec.content_light_level, colour.content_light_level),
    )
    missing = [name for name, required, found in wanted if required and not found]
    if colour.dynamic_range != "PQ" or not missing:
        return [], ""
    if not colour.key_frame_seen:
        return [], "no key frame in the window: the stream's SEI metadata was not looked at"
    return missing, ""


def _signalled(colour: Colour) -> str:
    transfer, primaries = colour.transfer or "unspecified", colour.primaries or "unspecified"
    return f"{colour.dynamic_range} (transfer {transfer}, primaries {primaries})"


def _actual(colour: Colour, declared: str | None) -> dict[str, object]:
    return {
        "dynamic_range": colour.dynamic_range,
        "transfer": colour.transfer,
        "primaries": colour.primaries,
        "matrix": colour.matrix,
        "range": colour.range,
        "mastering_display": colour.mastering_display,
        "content_light_level": colour.content_light_level,
        "declared": declared,
    }


def _expected(declared: str | None, allowed: tuple[str, ...], spec: HdrCheck) -> str:
    parts = [f"{' or '.join(allowed)}, as {declared} declares"] if allowed else []
    wanted = [n for n, on in (("mastering-display", spec.mastering_display), ("content light level",
              spec.content_light_level)) if on]  # fmt: skip
    if wanted:
        parts.append(f"a PQ stream carries {' and '.join(wanted)} metadata")
    return "; ".join(parts) or "nothing (every part of the check is off)"
