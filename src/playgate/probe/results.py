"""What a probe found: problems per (check, subject) → report findings, and the facts a stream declared.

One finding per problem (at most ``MAX_PER_CHECK`` per check and subject, the last one counting the
rest), and one ``pass`` finding for each check that ran on a subject without a problem.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from playgate.probe.checks import SUB_SEVERITY, CheckSettings, Severity, effective_checks
from playgate.rules.report import Finding, Outcome

MAX_PER_CHECK = 5


@dataclass
class StreamFacts:
    """What one probed URL declares and measures (for rendition-matches-play-info)."""

    kind: str = "unknown"  # hls-master | hls-media | dash | mp4 | flv | unknown
    width: int | None = None
    height: int | None = None
    bandwidth_bps: int | None = None  # declared peak (BANDWIDTH / bandwidth)
    average_bandwidth_bps: int | None = None  # declared average
    measured_average_bps: float | None = None
    measured_peak_bps: float | None = None


@dataclass
class _Problem:
    severity: Severity
    actual: Any
    expected: str
    message: str


@dataclass
class Results:
    checks: dict[str, CheckSettings] = field(default_factory=effective_checks)
    # each variant's declared BANDWIDTH and measured peak and average, in bit/s (the HTML report's chart)
    rates: list[dict[str, Any]] = field(default_factory=list)
    _ran: dict[tuple[str, str], list[_Problem]] = field(default_factory=dict)
    _counts: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def enabled(self, check: str) -> bool:
        return self.checks[check].enabled

    def param(self, check: str, name: str) -> Any:
        return self.checks[check].params[name]

    def ran(self, check: str, subject: str) -> None:
        """The check was applied to the subject (a pass unless a problem is added)."""
        if self.enabled(check):
            with self._lock:
                self._ran.setdefault((check, subject), [])

    def problem(
        self, check: str, subject: str, *, actual: Any, expected: str, message: str, part: str | None = None
    ) -> None:
        settings = self.checks[check]
        if not settings.enabled:
            return
        severity = settings.severity
        if part is not None and not settings.severity_set:
            severity = SUB_SEVERITY.get((check, part), severity)
        with self._lock:
            problems = self._ran.setdefault((check, subject), [])
            self._counts[(check, subject)] = self._counts.get((check, subject), 0) + 1
            if len(problems) < MAX_PER_CHECK:
                problems.append(_Problem(severity, actual, expected, message))

    def more(self, check: str, subject: str, count: int) -> None:
        """``count`` more problems like the last one, counted in its message but not kept."""
        if count > 0 and self.checks[check].enabled:
            with self._lock:
                self._counts[(check, subject)] = self._counts.get((check, subject), 0) + count

    def measured(self, name: str, declared_bps: int, peak_bps: float | None, average_bps: float) -> None:
        with self._lock:
            self.rates.append(
                {"name": name, "declared_bps": declared_bps, "peak_bps": peak_bps, "average_bps": average_bps}
            )

    def findings(self) -> list[Finding]:
        """Grouped by subject (in the order first seen), then by check (in CHECKS order)."""
        out: list[Finding] = []
        subjects = list(dict.fromkeys(subject for _, subject in self._ran))
        order = list(self.checks)
        keys = sorted(self._ran, key=lambda k: (subjects.index(k[1]), order.index(k[0])))
        for check, subject in keys:
            problems = self._ran[(check, subject)]
            if not problems:
                out.append(_finding(check, subject, "pass", self.checks[check].severity, "ok", "", "ok"))
                continue
            more = self._counts[(check, subject)] - len(problems)
            for i, p in enumerate(problems):
                message = p.message
                if more and i == len(problems) - 1:
                    message += f" (and {more} more like this)"
                outcome: Outcome = "fail" if p.severity == "error" else "warn"
                out.append(_finding(check, subject, outcome, p.severity, p.actual, p.expected, message))
        return out


def _finding(
    check: str, subject: str, outcome: Outcome, severity: Severity, actual: Any, expected: str, message: str
) -> Finding:
    if outcome == "pass":
        message = f"{check}: {subject}: ok"
    return Finding.model_construct(
        rule=check,
        severity=severity,
        outcome=outcome,
        subject=subject,
        check=f"probe:{check}",
        actual=actual,
        expected=expected,
        message=message,
        source=None,
        error=None,
    )
