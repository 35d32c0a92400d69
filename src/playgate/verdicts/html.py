"""``status`` and ``report`` as one self-contained HTML page: inline CSS and SVG, no request to anything.

The page's own Content-Security-Policy forbids every fetch (scripts included), so a value that looks like
a URL stays text even if escaping were wrong. Every value is escaped; headings and table headers carry
what a screen reader needs; the layout narrows to a phone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from typing import Any

from playgate.store.ledger import Verdict
from playgate.verdicts.render import findings_of, percent, seconds
from playgate.verdicts.summary import iso

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_CSS = """
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:64rem;padding:1rem;
color:#1b1f23;background:#fff}
h1,h2,h3,p,li,figcaption{overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0 .8rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.92rem}
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{background:#f6f8fa}.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;white-space:nowrap;padding:.1rem .55rem;border-radius:.8rem;font-weight:600;
color:#fff}
.pass{background:#1a7f37}.not_applicable{background:#6e7781}.warn{background:#9a6700}.fail,.error,.dead_letter{background:#cf222e}
.facts{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:.3rem 0 1rem;padding:0;list-style:none}
.side{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}
.scroll{overflow-x:auto}.scroll table{min-width:34rem}
@media (max-width:40rem){body{padding:.6rem;font-size:15px}table{font-size:.85rem}
.side{grid-template-columns:1fr}}
svg{max-width:100%;height:auto}
.frames{display:flex;flex-wrap:wrap;gap:.6rem;margin:.4rem 0}figure{margin:0}
figure img{display:block;max-width:100%;height:auto}
"""
_OUTCOME_COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "failed": "#cf222e"}


def text(value: Any) -> str:
    if value is None:
        return "-"
    return escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def table(caption: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'<div class="scroll"><table><caption hidden>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def finding_row(rule: Any, outcome: Any, actual: Any, expected: Any, message: Any) -> list[str]:
    """A finding's cells: rule, outcome, actual and expected side by side, message."""
    side = (
        f'<div class="side"><span>actual: {text(actual)}</span><span>expected: {text(expected)}</span></div>'
    )
    return [text(rule), badge(str(outcome)), side, text(message)]


def badge(outcome: str) -> str:
    return f'<span class="badge {escape(outcome)}">{escape(outcome)}</span>'


# --- status ---------------------------------------------------------------------------------------------
def status_page(subject: str, history: list[Verdict]) -> str:
    latest = history[0]
    parts = [
        f"<h1>playgate status: {text(subject)}</h1>",
        '<ul class="facts">',
        f"<li>latest verdict {badge(latest.outcome)}</li>",
        f"<li>reason: {text(latest.reason)}</li>",
        f"<li>profile: {text(latest.profile)}</li>",
        f"<li>decided: {text(iso(latest.decided_at))}</li>",
        f"<li>media: {text(latest.media_id)}</li><li>job: {text(latest.job_id)}</li>",
        "</ul>",
    ]
    if latest.report.get("title"):
        parts.insert(1, f"<p>{text(latest.report['title'])}</p>")
    parts.append(_findings(latest))
    if latest.report.get("error"):
        error = latest.report["error"]
        parts.append(
            f"<h2>Error</h2><p><code>{text(error.get('code'))}</code>: {text(error.get('message'))}</p>"
        )
    sinks = [[text(sink), text(state)] for sink, state in latest.report.get("sinks", {}).items()]
    parts.append("<h2>Where the message went</h2>" + table("sinks", ["sink", "state"], sinks))
    past = [
        [text(iso(v.decided_at)), badge(v.outcome) + (" re-check" if v.recheck else ""), text(v.reason),
         text(v.profile), text(v.job_id), text(v.message_id)]
        for v in history
    ]  # fmt: skip
    parts.append(
        "<h2>History</h2>"
        + table("history", ["decided", "outcome", "reason", "profile", "job", "message id"], past)
    )
    return page(f"playgate status: {subject}", "".join(parts))


def _findings(verdict: Verdict) -> str:
    findings = findings_of(verdict)
    if not findings:
        return "<h2>Findings</h2><p>No rule failed or warned.</p>"
    by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_subject[str(finding.get("subject") or "media")].append(finding)
    parts = ["<h2>Findings</h2>"]
    for subject, group in by_subject.items():
        rows = [
            finding_row(*(f.get(k) for k in ("rule", "outcome", "actual", "expected", "message")))
            for f in group
        ]
        parts.append(f"<h3>{text(subject)}</h3>")
        parts.append(
            table(f"findings for {subject}", ["rule", "outcome", "actual vs expected", "message"], rows)
        )
    return "".join(parts)


# --- report ---------------------------------------------------------------------------------------------
def report_page(summary: dict[str, Any]) -> str:
    period, rates, latency = summary["period"], summary["rates"], summary["latency_s"]
    title = f"playgate report {period['from']} – {period['to']}"
    facts = [
        f"<li>{summary['total']} verdicts</li>",
        *(f"<li>{o}: {percent(rates[f'{o}_rate'])}</li>" for o in ("pass", "warn", "fail", "error")),
        f"<li>event to verdict p50 {seconds(latency['p50'])}, p95 {seconds(latency['p95'])}, "
        f"max {seconds(latency['max'])}</li>",
    ]
    if period["profile"]:
        facts.insert(0, f"<li>profile: {text(period['profile'])}</li>")
    days = [
        [text(d["day"]), text(d["profile"]), f'<span class="num">{d["total"]}</span>',
         *(percent(d[f"{o}_rate"]) for o in ("pass", "warn", "fail", "error"))]
        for d in summary["days"]
    ]  # fmt: skip
    rules = [
        [
            text(r["rule"]),
            f'<span class="num">{r["failures"]}</span>',
            ", ".join(text(m) for m in r["examples"]),
        ]
        for r in summary["top_rules"]
    ]
    alerts = summary["alerts"]
    alert_rows = [
        [text(a["decided_at"]), text(a["media_id"]), text(a["job_id"]), badge(a["outcome"]),
         text(a["reason"]), text(", ".join(a["rules"]) or None)]
        for a in alerts["latest"]
    ]  # fmt: skip
    body = "".join(
        [
            f"<h1>{escape(title)}</h1>",
            f'<ul class="facts">{"".join(facts)}</ul>',
            "<h2>Trend</h2>",
            _trend_chart(summary["trend"], summary["days"]),
            "<h2>Per day and profile</h2>",
            table("per day", ["day", "profile", "verdicts", "pass", "warn", "fail", "error"], days),
            "<h2>Rules that fail most</h2>",
            table("rules", ["rule", "failures", "example media"], rules)
            if rules
            else "<p>No rule failed.</p>",
            f"<h2>Alerts ({alerts['count']}, newest {len(alert_rows)} shown)</h2>",
            table("alerts", ["decided", "media", "job", "outcome", "reason", "rules"], alert_rows)
            if alert_rows
            else "<p>No alerts.</p>",
        ]
    )
    return page(title, body)


def _trend_chart(trend: list[dict[str, Any]], days: list[dict[str, Any]]) -> str:
    """Stacked bars per day (pass, warn, failed), drawn in SVG; the table below holds the same numbers."""
    if not trend:
        return "<p>No verdicts in this period.</p>"
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for d in days:
        for name, rate in (("pass", d["pass_rate"]), ("warn", d["warn_rate"])):
            counts[d["day"]][name] += (rate or 0) * d["total"]
    for t in trend:
        counts[t["day"]]["failed"] = t["failed_rate"] * t["total"]
    top = max(t["total"] for t in trend)
    width, height, bar = 640, 200, max(4, min(40, 600 // len(trend) - 4))
    parts = []
    for i, t in enumerate(trend):
        x, y = 30 + i * (bar + 4), height - 20
        for name in ("pass", "warn", "failed"):
            h = counts[t["day"]][name] / top * (height - 40)
            if h > 0:
                colour = _OUTCOME_COLOURS[name]
                parts.append(
                    f'<rect x="{x}" y="{y - h:.1f}" width="{bar}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{escape(t['day'])}: {name} {counts[t['day']][name]:.0f}</title></rect>"
                )
                y -= h
    label = f"Verdicts per day, {trend[0]['day']} to {trend[-1]['day']}: pass green, warn amber, failed red"
    legend = "".join(
        f'<rect x="{30 + i * 90}" y="4" width="10" height="10" fill="{colour}"/>'
        f'<text x="{44 + i * 90}" y="13" font-size="11">{name}</text>'
        for i, (name, colour) in enumerate(_OUTCOME_COLOURS.items())
    )
    return (
        f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">{legend}'
        f'<line x1="28" y1="{height - 20}" x2="{width}" y2="{height - 20}" stroke="#57606a"/>'
        f'<text x="0" y="{height - 20}" font-size="11">0</text><text x="0" y="30" font-size="11">{top}</text>'
        f"{''.join(parts)}</svg>"
    )
