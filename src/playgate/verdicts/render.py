"""``status`` and ``report`` as text: a terminal table, Markdown and JSON, from the same data.

Every value may come from ICE or the media (titles, rule values): Markdown cells are escaped, table cells
are plain rich ``Text`` (never markup), JSON is JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playgate.store.ledger import Verdict
from playgate.verdicts.summary import iso

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def md(value: Any) -> str:
    """A Markdown table cell: special characters escaped, one line."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def row(*cells: Any) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f} %"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


# --- status: one media or job ---------------------------------------------------------------------------
def status_json(subject: str, history: list[Verdict]) -> str:
    return json.dumps(
        {"subject": subject, "latest": history[0].as_dict() if history else None,
         "history": [v.as_dict() for v in history]},
        ensure_ascii=False, indent=2, default=str,
    )  # fmt: skip


def findings_of(verdict: Verdict) -> list[dict[str, Any]]:
    return [f for f in verdict.report.get("findings", []) if f.get("outcome") in ("fail", "warn")]


def status_markdown(subject: str, history: list[Verdict]) -> str:
    latest = history[0]
    lines = [
        f"# playgate status: {md(subject)}",
        "",
        f"Latest verdict: **{latest.outcome}**" + (f" ({md(latest.reason)})" if latest.reason else "")
        + f", profile `{md(latest.profile or '-')}`, decided {iso(latest.decided_at)}"
        + (" (re-check)" if latest.recheck else ""),
        "",
    ]  # fmt: skip
    findings = findings_of(latest)
    if findings:
        lines += [
            "## Findings",
            "",
            "| rule | outcome | subject | actual | expected |",
            "|---|---|---|---|---|",
        ]
        lines += [
            row(*(md(f.get(k)) for k in ("rule", "outcome", "subject", "actual", "expected")))
            for f in findings
        ]
        lines.append("")
    if latest.report.get("error"):
        error = latest.report["error"]
        lines += [f"Error `{md(error.get('code'))}`: {md(error.get('message'))}", ""]
    lines += ["## Where the message went", "", "| sink | state |", "|---|---|"]
    lines += [row(md(sink), md(state)) for sink, state in latest.report.get("sinks", {}).items()]
    lines += [
        "",
        "## History",
        "",
        "| decided | outcome | reason | profile | job | message id |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        row(
            iso(v.decided_at),
            md(v.outcome) + (" (re-check)" if v.recheck else ""),
            *(md(x or "-") for x in (v.reason, v.profile, v.job_id, v.message_id)),
        )
        for v in history
    ]
    return "\n".join(lines) + "\n"


def status_table(subject: str, history: list[Verdict], console: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    latest = history[0]
    headline = f"{subject}: {latest.outcome}" + (f" ({latest.reason})" if latest.reason else "")
    console.print(Text(headline + f", profile {latest.profile or '-'}, decided {iso(latest.decided_at)}"))
    findings = findings_of(latest)
    if findings:
        table = Table("rule", "subject", "actual", "expected", title="findings", title_justify="left")
        for f in findings:
            table.add_row(*(Text(_cell(f.get(k))) for k in ("rule", "subject", "actual", "expected")))
        console.print(table)
    sinks = Table("sink", "state", title="where the message went", title_justify="left")
    for sink, state in latest.report.get("sinks", {}).items():
        sinks.add_row(Text(sink), Text(state))
    console.print(sinks)
    past = Table("decided", "outcome", "reason", "profile", "job", title="history", title_justify="left")
    for v in history:
        outcome = v.outcome + (" (re-check)" if v.recheck else "")
        past.add_row(*(Text(_cell(x)) for x in (iso(v.decided_at), outcome, v.reason, v.profile, v.job_id)))
    console.print(past)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# --- report: a period ----------------------------------------------------------------------------------
def report_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, ensure_ascii=False, indent=2)


def report_markdown(summary: dict[str, Any]) -> str:
    period = summary["period"]
    rates = summary["rates"]
    latency = summary["latency_s"]
    lines = [
        f"# playgate report {period['from']} – {period['to']}"
        + (f" (profile {md(period['profile'])})" if period["profile"] else ""),
        "",
        f"{summary['total']} verdicts: "
        + ", ".join(f"{o} {percent(rates[f'{o}_rate'])}" for o in ("pass", "warn", "fail", "error"))
        + ". "
        f"Event to verdict: p50 {seconds(latency['p50'])}, p95 {seconds(latency['p95'])}, "
        f"max {seconds(latency['max'])}.",
        "",
        "## Per day and profile",
        "",
        "| day | profile | verdicts | pass | warn | fail | error |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        row(
            d["day"],
            md(d["profile"]),
            d["total"],
            *(percent(d[f"{o}_rate"]) for o in ("pass", "warn", "fail", "error")),
        )
        for d in summary["days"]
    ]
    lines += ["", "## Rules that fail most", "", "| rule | failures | example media |", "|---|---|---|"]
    lines += [
        row(md(r["rule"]), r["failures"], ", ".join(md(m) for m in r["examples"]))
        for r in summary["top_rules"]
    ]
    lines += ["", "## Trend", "", "| day | verdicts | failed |", "|---|---|---|"]
    lines += [row(t["day"], t["total"], percent(t["failed_rate"])) for t in summary["trend"]]
    alerts = summary["alerts"]
    lines += [
        "",
        f"## Alerts ({alerts['count']}, newest {len(alerts['latest'])} shown)",
        "",
        "| decided | media | job | outcome | reason | rules |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        row(
            a["decided_at"],
            *(md(a[k] or "-") for k in ("media_id", "job_id", "outcome", "reason")),
            md(", ".join(a["rules"]) or "-"),
        )
        for a in alerts["latest"]
    ]
    return "\n".join(lines) + "\n"
