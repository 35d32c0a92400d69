"""Reports: stable JSON, Markdown for chat, a rich table; no signed URL leaks into any of them."""

from __future__ import annotations

import io
import json
from collections import Counter

from rules_helpers import crafted, rendition

from playgate.rules import REPORT_SCHEMA, load_rules

BOOK = load_rules(None)


def test_json_report_has_the_documented_schema(ref_full):
    data = BOOK.evaluate(ref_full).to_json()
    assert list(data) == ["schema", "outcome", "profile", "media_id", "summary", "findings"]
    assert data["schema"] == REPORT_SCHEMA
    outcomes = Counter(f["outcome"] for f in data["findings"])
    assert data["summary"] == {kind: outcomes[kind] for kind in ("pass", "fail", "warn", "not_applicable")}
    rules = [rule.id for rule in BOOK.profiles[data["profile"]].rules]
    assert [f["rule"] for f in data["findings"]] == rules  # one finding per rule here: one subject each
    images = [f["outcome"] for f in data["findings"] if f["rule"].startswith("image-")]
    assert images and set(images) == {"not_applicable"}  # a video: the image rules do not apply
    assert [f["rule"] for f in data["findings"] if f["outcome"] in ("fail", "warn")] == [
        "av-durations-agree",
        "rendition-duration-matches-source",
    ]
    assert set(data["findings"][0]) == {
        "rule",
        "severity",
        "outcome",
        "subject",
        "check",
        "actual",
        "expected",
        "message",
        "source",
        "error",
    }
    json.dumps(data)  # JSON-safe throughout
    fail = next(f for f in data["findings"] if f["outcome"] == "fail")
    assert fail == {
        "rule": "rendition-duration-matches-source",
        "severity": "error",
        "outcome": "fail",
        "subject": "rendition[0] HD mp4",
        "check": "rendition[*].duration_s",
        "actual": 9.0464,
        "expected": "within 2% of media.duration_s (216.207)",
        "message": "rendition[0] HD mp4: duration_s is 9.0464, expected within 2% of "
        "media.duration_s (216.207) — every Normal rendition lasts as long as the source (within 2 %)",
        "source": None,
        "error": None,
    }


def test_markdown_lists_failures_and_warnings_for_chat(ref_full):
    text = BOOK.evaluate(ref_full).to_markdown()
    assert text.startswith("**❌ QC FAIL for media")
    assert "| ❌ | `rendition-duration-matches-source` | rendition[0] HD mp4 | 9.0464 |" in text
    assert "`av-durations-agree`" in text and "`media-status-normal`" not in text
    assert "`media-status-normal`" in BOOK.evaluate(ref_full).to_markdown(include_passed=True)


def test_rich_table_renders_every_finding(ref_full):
    from rich.console import Console

    out = io.StringIO()
    BOOK.evaluate(ref_full).print_table(Console(file=out, width=200))
    text = out.getvalue()
    assert "QC FAIL" in text and "rendition-duration-matches-source" in text and "media-status-normal" in text


def test_signed_url_queries_are_redacted_in_actual_and_message():
    signed = "https://cdn.example.com/a.mp4?auth_key=1700000000-0-0-abcdef&Signature=secret123"
    snap = crafted(renditions=[rendition(0, "HD", 720, 3000, play_url=signed)])
    from rules_helpers import findings

    found = findings({"check": "rendition[*].play_url", "ends_with": ".m3u8"}, snap)
    text = json.dumps([f.model_dump() for f in found])
    assert "abcdef" not in text and "secret123" not in text
    assert found[0].outcome == "fail" and "auth_key=***" in found[0].actual
