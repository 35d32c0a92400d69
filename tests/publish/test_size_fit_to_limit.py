from __future__ import annotations

import base64
import copy
import json
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from publish_helpers import alert_event

from playgate.errors import SinkRejected
from playgate.publish.cloudevents import PLAYBACK_READY, make_event
from playgate.publish.size import ENVELOPE_RESERVE, encode_event, event_size, fit_to_limit

REQUIRED = ("specversion", "id", "source", "type", "subject", "time", "datacontenttype")
REQUIRED_DATA = ("media_id", "job_id", "event_type", "severity", "reason", "profile")


def _assert_keeps_identity(original: dict, fitted: dict) -> None:
    for key in REQUIRED:
        assert fitted[key] == original[key]
    for key in REQUIRED_DATA:
        assert fitted["data"][key] == original["data"][key]


def test_an_event_that_fits_is_returned_untouched() -> None:
    event = alert_event()
    assert fit_to_limit(event) is event
    assert "truncated" not in event["data"]


def test_a_huge_report_is_cut_first_and_nothing_else_changes() -> None:
    event = alert_event(report_chars=200_000, passing=5, failing=3)
    fitted = fit_to_limit(event)
    assert event_size(fitted) <= 65536
    _assert_keeps_identity(event, fitted)
    assert fitted["data"]["findings"] == event["data"]["findings"]
    assert fitted["data"]["truncated"] is True
    assert fitted["data"]["truncation"] == ["report_markdown"]
    report = fitted["data"]["report_markdown"]
    assert report.startswith("# QC report\nrrrr")
    assert "characters omitted]" in report
    assert "truncated" not in event["data"], "the caller's event is not modified"


def test_the_report_keeps_as_much_as_fits() -> None:
    fitted = fit_to_limit(alert_event(report_chars=200_000))
    assert 65536 - 200 < event_size(fitted) <= 65536


def test_queue_base64_leaves_room_for_the_envelope_and_the_expansion() -> None:
    fitted = fit_to_limit(alert_event(report_chars=200_000), 65536, encoding="base64")
    body = base64.b64encode(encode_event(fitted))
    assert len(body) + ENVELOPE_RESERVE <= 65536
    assert len(encode_event(fitted)) <= 48960


def test_the_xml_encoding_counts_escaped_quotes() -> None:
    event = alert_event(report_chars=10, failing=400, long=10)  # many short strings: many quotes
    body = encode_event(event)
    assert event_size(event, "xml") > event_size(event, "json") + 4 * body.count(b'"')
    fitted = fit_to_limit(event, 16384, encoding="xml")
    escaped = escape(encode_event(fitted).decode(), {'"': "&quot;"})
    assert len(escaped.encode()) + ENVELOPE_RESERVE <= 16384


def test_many_findings_are_reduced_to_failing_ones_with_a_summary() -> None:
    event = alert_event(report_chars=100, passing=600, failing=4, long=50)
    assert event_size(event) > 65536
    fitted = fit_to_limit(event)
    data = fitted["data"]
    assert event_size(fitted) <= 65536
    _assert_keeps_identity(event, fitted)
    assert [f["rule"] for f in data["findings"]] == [f"rule-{i:04d}" for i in range(4)]
    assert data["findings_summary"] == {"omitted": 600, "by_outcome": {"warn": 600}}
    assert data["truncation"] == ["report_markdown", "findings"]


def test_findings_without_outcome_are_judged_by_severity() -> None:
    event = alert_event(report_chars=10, passing=500, failing=2, long=60)
    for f in event["data"]["findings"]:
        del f["outcome"]
    fitted = fit_to_limit(event, 16384)
    assert [f["severity"] for f in fitted["data"]["findings"]] == ["error", "error"]
    assert fitted["data"]["findings_summary"] == {"omitted": 500, "by_outcome": {"warning": 500}}


def test_long_strings_are_cut_when_failing_findings_alone_are_too_big() -> None:
    event = alert_event(report_chars=10, failing=30, long=5000)
    fitted = fit_to_limit(event)
    data = fitted["data"]
    assert event_size(fitted) <= 65536
    assert len(data["findings"]) == 30
    assert data["findings"][0]["actual"].startswith("x" * 1024)
    assert data["findings"][0]["actual"].endswith(f"…[+{5000 - 1024} chars]")
    assert data["findings"][0]["rule"] == "rule-0000"
    assert "strings" in data["truncation"]


def test_the_first_failing_findings_are_kept_as_a_last_resort() -> None:
    event = alert_event(report_chars=10, failing=5000, long=10)
    fitted = fit_to_limit(event)
    data = fitted["data"]
    assert event_size(fitted) <= 65536
    kept = len(data["findings"])
    assert 0 < kept < 5000
    assert [f["rule"] for f in data["findings"]] == [f"rule-{i:04d}" for i in range(kept)]
    assert data["findings_summary"] == {"omitted": 5000 - kept, "by_outcome": {"fail": 5000 - kept}}
    assert data["truncation"][-1] == "findings_failing"


def test_shortening_is_deterministic() -> None:
    event = alert_event(report_chars=90_000, passing=300, failing=3000, long=30)
    assert encode_event(fit_to_limit(copy.deepcopy(event))) == encode_event(
        fit_to_limit(copy.deepcopy(event))
    )


def test_urls_are_never_cut_and_an_impossible_fit_says_why() -> None:
    renditions = [{"url": f"https://cdn.example.com/{i}.m3u8?auth_key=" + "k" * 2000} for i in range(40)]
    event = make_event(
        PLAYBACK_READY,
        source="playgate/qc-gate",
        subject="m1",
        data={"media_id": "m1", "job_id": "j1", "renditions": renditions},
        id_parts=("j1", "m1", "ok"),
    )
    with pytest.raises(SinkRejected) as caught:
        fit_to_limit(event)
    assert event["id"] in str(caught.value)
    assert "65536" in str(caught.value) and "jsonl" in str(caught.value)
    assert not caught.value.retryable


def test_a_small_limit_still_keeps_every_required_field() -> None:
    event = alert_event(report_chars=50_000, passing=200, failing=200, long=300)
    fitted = fit_to_limit(event, 2048)
    assert event_size(fitted) <= 2048
    _assert_keeps_identity(event, fitted)
    assert json.loads(encode_event(fitted)) == fitted


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    report=st.integers(0, 120_000),
    passing=st.integers(0, 600),
    failing=st.integers(0, 600),
    long=st.integers(0, 3000),
    limit=st.sampled_from([4096, 16384, 65536]),
    encoding=st.sampled_from(["base64", "xml", "json"]),
)
def test_any_alert_ends_below_the_limit_with_its_identity(
    report: int, passing: int, failing: int, long: int, limit: int, encoding: str
) -> None:
    event = alert_event(report_chars=report, passing=passing, failing=failing, long=long)
    fitted = fit_to_limit(event, limit, encoding=encoding)  # type: ignore[arg-type]
    assert event_size(fitted, encoding) <= limit  # type: ignore[arg-type]
    _assert_keeps_identity(event, fitted)
