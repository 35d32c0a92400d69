"""Run the probe against the local CDN and read its report."""

from __future__ import annotations

from typing import Any

from playgate.probe.checks import effective_checks
from playgate.probe.runner import deadline_in, probe_urls
from playgate.rules.report import Finding, Report
from playgate.settings import Settings


def probe(
    *urls: str, time_limit: float = 30.0, overrides: dict[str, Any] | None = None, **settings: Any
) -> Report:
    values = {"probe_allow_hosts": "127.0.0.1", **settings}
    return probe_urls(
        urls,
        settings=Settings(**values),
        checks=effective_checks(overrides),
        deadline=deadline_in(time_limit),
    )


def findings(report: Report, rule: str, outcome: str | None = None) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule and (outcome is None or f.outcome == outcome)]


def outcomes(report: Report) -> dict[str, set[str]]:
    """rule → the outcomes its findings had."""
    result: dict[str, set[str]] = {}
    for f in report.findings:
        result.setdefault(f.rule, set()).add(f.outcome)
    return result
