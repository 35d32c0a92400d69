"""The report: one finding per rule (or per offending item), and the whole outcome.

Every output (JSON, Markdown, table) is redacted: a finding's values can quote a signed URL or a
tool's error that names one.

JSON schema ``playgate.rules.report/1`` (stable; documented in docs/rules.md)::

    {"schema": "playgate.rules.report/1", "outcome": "pass|warn|fail", "profile": str,
     "media_id": str|null, "summary": {"pass": n, "fail": n, "warn": n, "not_applicable": n},
     "findings": [{"rule", "severity", "outcome", "subject", "check", "actual", "expected",
                   "message", "source"}]}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playgate.log import redact, redact_text

REPORT_SCHEMA = "playgate.rules.report/1"
Outcome = Literal["pass", "fail", "warn", "not_applicable"]
_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "not_applicable": "➖"}


# The gate builds findings and reports from typed values (rules.engine.make_finding) and dumps them
# only for a failing media: their validators are built on first use, not at every cold start.
_DEFERRED = ConfigDict(defer_build=True)


class Finding(BaseModel):
    model_config = _DEFERRED

    rule: str
    severity: Literal["error", "warning", "info"]
    outcome: Outcome
    subject: str = Field(description="What the finding is about: 'media', 'rendition[2] HD mp4', …")
    check: str = Field("", description="The value path the rule checked.")
    actual: Any = None
    expected: str = ""
    message: str
    source: str | None = None
    error: str | None = Field(None, description="Set only when the rule itself could not be evaluated.")


class Report(BaseModel):
    model_config = _DEFERRED

    outcome: Literal["pass", "warn", "fail"]
    profile: str
    media_id: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    # seconds the probe and the decode took ('probe_s', 'decode_s'): for the verdict's log line, not output
    timings: dict[str, float] = Field(default_factory=dict, exclude=True)

    @classmethod
    def from_findings(
        cls,
        profile: str,
        media_id: str | None,
        findings: list[Finding],
        timings: dict[str, float] | None = None,
    ) -> Report:
        outcome: Literal["pass", "warn", "fail"]
        if any(f.outcome == "fail" for f in findings):
            outcome = "fail"
        elif any(f.outcome == "warn" and f.severity == "warning" for f in findings):
            outcome = "warn"
        else:
            outcome = "pass"
        return cls.model_construct(
            outcome=outcome, profile=profile, media_id=media_id, findings=findings, timings=timings or {}
        )

    @property
    def failures(self) -> list[Finding]:
        """Findings that fail the gate (severity error, check did not hold)."""
        return [f for f in self.findings if f.outcome == "fail"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings that warn (severity warning, check did not hold)."""
        return [f for f in self.findings if f.outcome == "warn" and f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        """Info-severity findings whose check did not hold: recorded only."""
        return [f for f in self.findings if f.outcome == "warn" and f.severity == "info"]

    def summary(self) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "warn": 0, "not_applicable": 0}
        for f in self.findings:
            counts[f.outcome] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "outcome": self.outcome,
            "profile": self.profile,
            "media_id": self.media_id,
            "summary": self.summary(),
            "findings": redact([f.model_dump(mode="json") for f in self.findings]),
        }

    def headline(self, subject: str | None = None) -> str:
        """``QC FAIL for media X (profile P): counts``; ``subject`` names what else was checked (URLs)."""
        s = self.summary()
        subject = subject or f"media {self.media_id or '?'}"
        return (
            f"QC {self.outcome.upper()} for {subject} (profile {self.profile}): "
            f"{s['fail']} failed, {s['warn']} warned, {s['pass']} passed, "
            f"{s['not_applicable']} not applicable"
        )

    def to_markdown(self, *, include_passed: bool = False, subject: str | None = None) -> str:
        lines = [f"**{_ICON[self.outcome]} {self.headline(subject)}**", ""]
        shown = [f for f in self.findings if include_passed or f.outcome in ("fail", "warn")]
        if shown:
            lines += ["| | rule | subject | actual | expected |", "|---|---|---|---|---|"]
            for f in shown:
                lines.append(
                    f"| {_ICON[f.outcome]} | `{f.rule}` | {_md(f.subject)} | {_md(_actual(f))} "
                    f"| {_md(f.expected)} |"
                )
            lines.append("")
            lines += [f"- {_ICON[f.outcome]} {_md(f.message)}" for f in shown]
        return redact_text("\n".join(lines)).rstrip() + "\n"

    def to_table(
        self, *, include_passed: bool = True, subject: str | None = None, sentences: bool = False
    ) -> Any:
        """A rich Table (rich imported here only). Every cell is plain text: values such as ``[h264]`` or
        ``in [hevc, h265]`` are shown as they are, never read as rich markup. ``sentences``: each
        finding's message instead of its actual and expected values (for structured values, as a probe's)."""
        from rich.table import Table
        from rich.text import Text

        styles = {"pass": "green", "fail": "bold red", "warn": "yellow", "not_applicable": "dim"}
        table = Table(title=Text(self.headline(subject)), show_lines=False)
        last = ("what was found",) if sentences else ("actual", "expected")
        for col in ("outcome", "severity", "rule", "subject", *last):
            table.add_column(col, overflow="fold")
        for f in self.findings:
            if include_passed or f.outcome in ("fail", "warn"):
                values = (f.message,) if sentences else (_actual(f), f.expected)
                cells = (f.outcome, f.severity, f.rule, f.subject, *values)
                table.add_row(*(Text(redact_text(str(c))) for c in cells), style=styles[f.outcome])
        return table

    def print_table(self, console: Any = None, *, include_passed: bool = True, **table: Any) -> None:
        from rich.console import Console

        if console is None:
            console = Console()
            if not console.is_terminal:  # piped or captured: do not squeeze into 80 columns
                console = Console(width=160)
        console.print(self.to_table(include_passed=include_passed, **table))


def _actual(f: Finding) -> str:
    return "" if f.outcome == "not_applicable" else _short(f.actual)


def _short(value: Any, limit: int = 80) -> str:
    from playgate.rules.operators import fmt

    text = fmt(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
