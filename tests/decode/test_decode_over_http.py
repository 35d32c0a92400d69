"""Decoding reads a signed URL directly from an HTTP server on 127.0.0.1; its query never shows."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog
from decode_helpers import AUTH_KEY

from playgate import log
from playgate.decode.engine import Target, decode_target
from playgate.decode.spec import DecodeSpec, Window


@pytest.fixture
def captured_logs(capfd: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """Call it in the test body (once capfd captures): JSON logs at debug, ffmpeg's output included."""

    def start() -> pytest.CaptureFixture[str]:
        log.configure(json=True, level="debug")
        return capfd

    yield start
    structlog.reset_defaults()
    log._configured = False


def assert_no_secret(findings, text: str) -> None:
    dumped = json.dumps([f.model_dump(mode="json") for f in findings]) + text
    assert AUTH_KEY not in dumped
    assert "auth_key" not in dumped


@pytest.mark.parametrize("name", ["clean.mp4", "hls/index.m3u8"])
def test_a_signed_url_is_decoded_without_its_query_in_findings_or_logs(
    tools, signed_server, captured_logs, local_guard, name
):
    capture = captured_logs()
    spec = DecodeSpec(windows=[Window(start=0, seconds=6)])
    target = Target(signed_server.url(name), "rendition[0]")
    findings = decode_target(target, spec, tools, timeout_s=60, guard=local_guard)
    out, err = capture.readouterr()
    assert {f.rule: f.outcome for f in findings} == {
        "video-black": "pass", "video-frozen": "pass", "audio-silence": "pass",
        "audio-loudness": "pass", "decode-clean": "pass", "video-interlaced": "pass",
        "video-hdr-signalling": "pass",
    }  # fmt: skip
    clean = next(f for f in findings if f.rule == "decode-clean")
    assert clean.actual["decoded_s"] == pytest.approx(6, abs=0.3)
    assert clean.subject.startswith(f"rendition[0] {signed_server.base}/{name} (window 0–6 s)")
    assert "decode window" in out and "ffmpeg output" in out  # the logs were written, and checked
    assert_no_secret(findings, out + err)
    assert all("auth_key=" in r for r in signed_server.requests)  # used exactly as given


def test_a_refused_url_is_a_failed_finding_that_names_the_status_not_the_key(
    tools, signed_server, captured_logs, local_guard
):
    capture = captured_logs()
    url = signed_server.url("clean.mp4", key="wrong-key-0000")
    findings = decode_target(
        Target(url, "rendition[1]"), DecodeSpec(), tools, timeout_s=60, guard=local_guard
    )
    out, err = capture.readouterr()
    (finding,) = findings
    assert (finding.rule, finding.outcome) == ("decode-clean", "fail")
    assert "403" in finding.message
    assert "wrong-key-0000" not in json.dumps(finding.model_dump(mode="json")) + out + err


def test_a_stalled_server_is_cut_off_by_the_time_limit(tools, signed_server, local_guard):
    url = signed_server.url("stall/clean.mp4")
    findings = decode_target(
        Target(url, "rendition[2]"), DecodeSpec(), tools, timeout_s=1.5, guard=local_guard
    )
    (finding,) = findings
    assert (finding.rule, finding.outcome) == ("decode-clean", "fail")
    assert "did not finish within 1.5 s" in finding.message


def test_a_stall_mid_window_is_cut_off_and_reported_incomplete_with_what_was_decoded(
    tools, stream_server, local_guard
):
    stream_server.stall["/hls/v0/seg_003.m4s"] = 30  # the last 2 s of the 8 s stream never come
    url = f"{stream_server.base}/hls/v0/index.m3u8"
    findings = decode_target(Target(url, "r"), DecodeSpec(), tools, timeout_s=8, guard=local_guard)
    outcomes = {f.rule: f.outcome for f in findings}
    assert outcomes["decode-incomplete"] == "warn"
    assert outcomes["video-black"] == "pass"  # the decoded part was still checked
    clean = next(f for f in findings if f.rule == "decode-clean")
    assert "truncated" not in clean.message  # cut by the time limit, not short media
