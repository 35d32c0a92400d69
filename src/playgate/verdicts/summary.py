"""A period's verdicts, summed up: rates per day and profile, the rules that fail most, latency, alerts."""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from playgate.store.ledger import OUTCOMES, SUMMARY_COLUMNS

EXAMPLES_PER_RULE = 3
TOP_RULES = 10
ALERTS_SHOWN = 50


def day_of(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).strftime("%Y-%m-%d")


def iso(epoch_s: float | None) -> str | None:
    if epoch_s is None:
        return None
    return (
        datetime.fromtimestamp(epoch_s, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def percentile(sorted_values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(
    rows: Iterable[tuple], *, start: float, end: float, profile: str | None = None
) -> dict[str, Any]:
    """The report's content from ``verdict_summaries`` rows (``SUMMARY_COLUMNS``), oldest first."""
    counts: Counter[str] = Counter()
    per_day: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    rule_failures: Counter[str] = Counter()
    rule_examples: dict[str, list[str]] = defaultdict(list)
    latencies: list[float] = []
    alert_count, latest_alerts = 0, deque[tuple[Any, ...]](maxlen=ALERTS_SHOWN)
    days: dict[int, str] = {}  # one strftime per day, not per verdict
    for row in rows:
        decided_at, event_time, profile_, outcome, _reason, failing, media_id, _job = row
        counts[outcome] += 1
        day = days.get(int(decided_at // 86400)) or days.setdefault(
            int(decided_at // 86400), day_of(decided_at)
        )
        per_day[(day, profile_ or "-")][outcome] += 1
        if event_time is not None:
            latencies.append(max(0.0, decided_at - event_time))
        for rule in failing.split(",") if failing else ():
            rule_failures[rule] += 1
            examples = rule_examples[rule]
            if media_id and len(examples) < EXAMPLES_PER_RULE and media_id not in examples:
                examples.append(media_id)
        if outcome in ("fail", "error", "dead_letter"):
            alert_count += 1
            latest_alerts.append(row)
    latencies.sort()
    total = sum(counts.values())
    return {
        "period": {"from": iso(start), "to": iso(end), "profile": profile},
        "total": total,
        "outcomes": {o: counts.get(o, 0) for o in OUTCOMES},
        "rates": _rates(counts),
        "days": [
            {"day": day, "profile": prof, "total": sum(c.values()), **_rates(c)}
            for (day, prof), c in sorted(per_day.items())
        ],
        "trend": _trend(per_day),
        "top_rules": [
            {"rule": rule, "failures": n, "examples": rule_examples[rule]}
            for rule, n in sorted(rule_failures.items(), key=lambda item: (-item[1], item[0]))[:TOP_RULES]
        ],
        "latency_s": {
            "count": len(latencies),
            "p50": percentile(latencies, 0.50),
            "p95": percentile(latencies, 0.95),
            "max": latencies[-1] if latencies else None,
        },
        "alerts": {"count": alert_count, "latest": [_alert(row) for row in reversed(latest_alerts)]},
    }


def _alert(row: tuple) -> dict[str, Any]:
    v = dict(zip(SUMMARY_COLUMNS, row, strict=True))
    return {
        "decided_at": iso(v["decided_at"]),
        "media_id": v["media_id"],
        "job_id": v["job_id"],
        "profile": v["profile"],
        "outcome": v["outcome"],
        "reason": v["reason"],
        "rules": [r for r in (v["failing_rules"] or "").split(",") if r],
    }


def _rates(counts: Counter[str]) -> dict[str, float | None]:
    total = sum(counts.values())
    return {
        f"{o}_rate": (counts.get(o, 0) / total if total else None) for o in ("pass", "warn", "fail", "error")
    }


def _trend(per_day: dict[tuple[str, str], Counter[str]]) -> list[dict[str, Any]]:
    """Per day, all profiles together: how many verdicts and the share that failed (fail, error)."""
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for (day, _profile), counts in per_day.items():
        days[day].update(counts)
    trend = []
    for day, counts in sorted(days.items()):
        total = sum(counts.values())
        bad = counts.get("fail", 0) + counts.get("error", 0) + counts.get("dead_letter", 0)
        trend.append({"day": day, "total": total, "failed_rate": bad / total})
    return trend
