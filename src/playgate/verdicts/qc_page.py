"""One QC report (``probe``, ``rules check``) as a self-contained HTML page.

Findings grouped by subject, actual and expected side by side; a decode finding's intervals (black,
frozen, silent) drawn on a timeline strip of the decoded window, each with a frame from its start when the
caller could take one; a probe's renditions with their measured bit rates against the declared ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from html import escape
from typing import Any

from playgate.decode.checks import intervals, window_of
from playgate.rules.report import Finding, Report
from playgate.verdicts.html import badge, finding_row, page, table, text

_INTERVAL_COLOURS = {"video-black": "#24292f", "video-frozen": "#0969da", "audio-silence": "#8250df"}


def qc_page(
    report: Report,
    *,
    title: str,
    window: tuple[float, float] | None = None,
    thumbnails: Mapping[tuple[str, float], str] | None = None,
    rates: list[dict[str, Any]] | None = None,
) -> str:
    """``thumbnails`` maps (subject, interval start) to a ``data:image/…`` URI; ``rates`` lists renditions
    with ``name``, ``declared_bps``, ``average_bps`` and ``peak_bps``."""
    by_subject: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_subject[finding.subject or "media"].append(finding)
    counts = report.summary()
    parts = [
        f"<h1>{escape(title)}</h1>",
        '<ul class="facts">',
        f"<li>outcome {badge(report.outcome)}</li><li>profile: {text(report.profile)}</li>",
        *(f"<li>{name}: {counts.get(name, 0)}</li>" for name in ("fail", "warn", "pass")),
        "</ul>",
    ]
    if rates:
        parts.append("<h2>Bit rates</h2>" + _rates_chart(rates))
    for subject, findings in by_subject.items():
        parts.append(f"<h2>{text(subject)}</h2>")
        timed = [(f, intervals(f)) for f in findings if intervals(f)]
        if timed:
            parts.append(_timeline(subject, timed, window))
            parts.append(_frames(subject, timed, thumbnails or {}))
        rows = [finding_row(f.rule, f.outcome, f.actual, f.expected, f.message) for f in findings]
        parts.append(
            table(f"findings for {subject}", ["rule", "outcome", "actual vs expected", "message"], rows)
        )
    return page(title, "".join(parts))


def _timeline(subject: str, timed: list[tuple[Finding, list[dict[str, float]]]], window: Any) -> str:
    ends = [i["end_s"] for _, found in timed for i in found]
    first = min(0.0, *(i["start_s"] for _, found in timed for i in found))
    start, end = window or window_of(subject) or (first, max(ends))
    span = max(end - start, 1e-6)
    width, lane = 640, 22
    rows = []
    for n, (finding, found) in enumerate(timed):
        y = 8 + n * (lane + 6)
        colour = _INTERVAL_COLOURS.get(finding.rule, "#cf222e")
        rows.append(f'<text x="0" y="{y + 15}" font-size="11">{escape(finding.rule)}</text>')
        rows.append(
            f'<rect x="110" y="{y}" width="{width - 110}" height="{lane}" fill="#f6f8fa" stroke="#d0d7de"/>'
        )
        for i in found:
            x = 110 + (i["start_s"] - start) / span * (width - 110)
            w = max(2.0, (i["end_s"] - i["start_s"]) / span * (width - 110))
            label = f"{finding.rule} {i['start_s']:g}–{i['end_s']:g} s"
            rows.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{lane}" fill="{colour}">'
                f"<title>{escape(label)}</title></rect>"
            )
    height = 8 + len(timed) * (lane + 6) + 14
    axis = (
        f'<text x="110" y="{height - 2}" font-size="11">{start:g} s</text>'
        f'<text x="{width}" y="{height - 2}" font-size="11" text-anchor="end">{end:g} s</text>'
    )
    label = f"Timeline of {subject} from {start:g} to {end:g} s with the intervals found"
    return (
        f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(rows)}{axis}</svg>'
    )


def _frames(subject: str, timed: list[tuple[Finding, list[dict[str, float]]]], thumbnails: Mapping) -> str:
    figures = []
    for finding, found in timed:
        for i in found:
            uri = thumbnails.get((subject, i["start_s"]))
            if uri and uri.startswith("data:image/"):
                alt = f"{finding.rule} at {i['start_s']:g} s"
                figures.append(
                    f'<figure><img src="{escape(uri)}" alt="{escape(alt)}" width="160">'
                    f"<figcaption>{escape(alt)}</figcaption></figure>"
                )
    return f'<div class="frames">{"".join(figures)}</div>' if figures else ""


def _rates_chart(rates: list[dict[str, Any]]) -> str:
    """Per rendition: declared BANDWIDTH against the measured peak and average, as bars (kbit/s)."""
    top = max(max(r.get(k) or 0 for k in ("declared_bps", "average_bps", "peak_bps")) for r in rates) or 1
    width, bar = 640, 12
    rows = []
    for n, r in enumerate(rates):
        y = 10 + n * (3 * bar + 14)
        rows.append(f'<text x="0" y="{y + bar * 2}" font-size="11">{escape(str(r.get("name", n)))}</text>')
        for k, (key, colour) in enumerate((("declared_bps", "#57606a"), ("peak_bps", "#cf222e"),
                                           ("average_bps", "#1a7f37"))):  # fmt: skip
            value = r.get(key)
            if value:
                w = value / top * (width - 160)
                rows.append(
                    f'<rect x="150" y="{y + k * bar}" width="{w:.1f}" height="{bar - 2}" fill="{colour}">'
                    f"<title>{key.removesuffix('_bps')}: {value / 1000:.0f} kbit/s</title></rect>"
                )
    height = 10 + len(rates) * (3 * bar + 14)
    label = (
        "Measured peak (red) and average (green) bit rate of each rendition against its declared "
        "BANDWIDTH (grey)"
    )
    return (
        f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>'
    )
