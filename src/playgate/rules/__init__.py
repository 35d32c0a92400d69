"""The QC rule language: rule files, compiled profiles, evaluation, reports.

    book = load_rules("rules.yml")          # or load_rules(None) for the built-in profiles
    report = book.evaluate(snapshot, event_type="TranscodeComplete", user_data={"qcProfile": "premium"})
    report.outcome, report.failures, report.to_json(), report.to_markdown()

Evaluation does no I/O and never raises. See docs/rules.md for the language reference.
"""

from playgate.rules.book import RuleBook, RuleFileInvalid, builtin_profiles, compile_text, load_rules
from playgate.rules.report import REPORT_SCHEMA, Finding, Report
from playgate.rules.source import Problem

__all__ = [
    "REPORT_SCHEMA",
    "Finding",
    "Problem",
    "Report",
    "RuleBook",
    "RuleFileInvalid",
    "builtin_profiles",
    "compile_text",
    "load_rules",
]
