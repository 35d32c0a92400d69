"""Issue 20: the HTML pages as people see them — opened offline in headless Chromium, at desktop and
phone widths. No console errors, no request to anything, the key facts on the page, hostile values inert."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from browser import DESKTOP, PHONE, visit
from playgate.store.ledger import Verdict
from playgate.verdicts.html import report_page, status_page
from playgate.verdicts.summary import summarize

DAY = 86400.0
START = 1_780_000_000.0  # 2026-05-28


@pytest.fixture
def forbidden_listener() -> dict[str, int]:
    """A listener on 127.0.0.2 (never allowed): a page that reached it would be counted here."""
    server = socket.socket()
    server.bind(("127.0.0.2", 0))
    server.listen()
    server.settimeout(0.2)
    seen = {"port": server.getsockname()[1], "connections": 0}
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            seen["connections"] += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield seen
    stop.set()
    thread.join()
    server.close()


def hostile(port: int) -> str:
    return (
        f'<img src="http://127.0.0.2:{port}/pixel.gif"><script>window.pwned = 1</script>'
        f'<link rel="stylesheet" href="http://127.0.0.2:{port}/x.css"> [click](http://127.0.0.2:{port}/sso)'
    )


def history(port: int) -> list[Verdict]:
    findings = [
        {"rule": "min-height", "outcome": "fail", "subject": "rendition[0] SD mp4", "actual": 360,
         "expected": ">= 720", "message": "height 360 below 720", "severity": "error"},
        {"rule": "video-black", "outcome": "fail", "subject": "rendition[0] SD mp4", "actual": [[2.0, 6.5]],
         "expected": "no black interval >= 2 s", "message": "black from 2.0 s to 6.5 s", "severity": "error"},
        {"rule": "bitrate-declared", "outcome": "warn", "subject": hostile(port), "actual": hostile(port),
         "expected": "<= 5000", "message": hostile(port), "severity": "warning"},
    ]  # fmt: skip
    sinks = {
        "dingtalk://robot?access_token=***": "delivered",
        "mns-queue://alerts": "delivered",
        "webhook+https://hooks.example/qc": "failed",
    }
    latest = Verdict(
        key="transcode:job-9:media-9", outcome="fail", decided_at=START + 60, media_id="media-9",
        job_id="job-9", event_type="TranscodeComplete", event_time=START + 55, profile="vod-hls",
        reason="qc_failed", message_type="playgate.qc.alert", message_id="ce-123",
        failing_rules=("min-height", "video-black"),
        report={"findings": findings, "title": hostile(port), "sinks": sinks},
    )  # fmt: skip
    earlier = Verdict(key="transcode:job-8:media-9", outcome="pass", decided_at=START, media_id="media-9",
                      job_id="job-8", profile="vod-hls", message_id="ce-100")  # fmt: skip
    return [latest, earlier]


def report_rows(port: int) -> list[tuple]:
    rows = []
    for day in range(10):
        for i in range(20 + day):
            outcome = "fail" if i % 7 == 0 else "warn" if i % 5 == 0 else "pass"
            at = START + day * DAY + i * 60
            rules = "min-height,video-black" if outcome == "fail" else ""
            media = hostile(port) if (day, i) == (3, 0) else f"media-{day}-{i}"
            rows.append(
                (
                    at,
                    at - 4.0 - i % 3,
                    "vod-hls" if i % 2 else "shorts",
                    outcome,
                    None,
                    rules,
                    media,
                    f"job-{day}-{i}",
                )
            )
    return rows


@pytest.fixture
def pages(tmp_path: Path, forbidden_listener) -> dict[str, Path]:
    port = forbidden_listener["port"]
    status = tmp_path / "status.html"
    status.write_text(status_page("media-9", history(port)), encoding="utf-8")
    rows = report_rows(port)
    report = tmp_path / "report.html"
    report.write_text(report_page(summarize(rows, start=START, end=START + 10 * DAY)), encoding="utf-8")
    return {"status": status, "report": report}


KEY_FACTS = {
    "status": ["playgate status: media-9", "fail", "qc_failed", "vod-hls", "min-height", "actual: 360",
               "expected: >= 720", "video-black", "mns-queue://alerts", "delivered", "failed", "ce-123",
               "job-8"],
    "report": ["playgate report", "verdicts", "min-height", "video-black", "Per day and profile", "Alerts",
               "p95", "shorts", "vod-hls"],
}  # fmt: skip


@pytest.mark.parametrize("kind", ["status", "report"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_page_renders_offline_with_its_facts_and_nothing_else(
    chromium, pages, kind, viewport, forbidden_listener, tmp_path
):
    with visit(chromium, pages[kind], viewport) as seen:
        text = seen.page.inner_text("main")
        for fact in KEY_FACTS[kind]:
            assert fact in text, fact
        assert seen.page.evaluate("window.pwned") is None  # a title's <script> stayed text
        assert "<script>window.pwned = 1</script>" in text
        assert seen.page.evaluate("document.images.length") == 0
        overflow = seen.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than the screen"
        shot = tmp_path / f"{kind}-{viewport['width']}.png"
        seen.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5000
    assert seen.problems == []
    assert seen.requests == []
    assert forbidden_listener["connections"] == 0


@pytest.mark.parametrize("kind", ["status", "report"])
def test_headings_and_table_headers_are_there_for_a_screen_reader(chromium, pages, kind):
    with visit(chromium, pages[kind]) as seen:
        page = seen.page
        assert page.evaluate("document.querySelectorAll('h1').length") == 1
        assert page.evaluate("document.querySelectorAll('h2').length") >= 3
        assert page.evaluate("[...document.querySelectorAll('th')].every(th => th.scope === 'col')")
        assert page.evaluate("document.documentElement.lang") == "en"
        if kind == "report":
            label = page.evaluate("document.querySelector('svg[role=img]').getAttribute('aria-label')")
            assert label.startswith("Verdicts per day")
