"""A body that is not the media its URL or Content-Type names is a failure, not a faststart warning."""

from __future__ import annotations

import json

from probe_helpers import findings, outcomes, probe
from test_probe_cli import playgate

TEXT = b"This is a text file, not a video.\n" * 50


def test_a_text_file_served_as_mp4_fails_the_cli_naming_what_it_is(stream_server):
    stream_server.virtual["/notes.mp4"] = TEXT

    done = playgate("probe", stream_server.url("/notes.mp4"), "--format", "json")

    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    [failed] = [f for f in report["findings"] if f["outcome"] == "fail"]
    assert failed["rule"] == "file-is-media"
    assert failed["actual"] == {
        "url": stream_server.url("/notes.mp4"),
        "content_type": "video/mp4",
        "found": "unknown",
    }
    assert "is not an MP4" in failed["message"]
    assert "mp4-faststart" not in {f["rule"] for f in report["findings"]}


def test_an_html_error_page_answered_for_an_flv_fails(stream_server):
    stream_server.virtual["/live.flv"] = b"<html><body>404 Not Found</body></html>"
    stream_server.headers["/live.flv"] = {"Content-Type": "text/html"}

    report = probe(stream_server.url("/live.flv"))

    [failed] = findings(report, "file-is-media", "fail")
    assert failed.actual["content_type"] == "text/html" and report.outcome == "fail"


def test_a_url_without_extension_is_held_to_what_its_content_type_names(stream_server):
    stream_server.virtual["/play/12345"] = TEXT
    stream_server.headers["/play/12345"] = {"Content-Type": "video/mp4; codecs=avc1"}

    report = probe(stream_server.url("/play/12345"))

    assert outcomes(report)["file-is-media"] == {"fail"}


def test_real_mp4_and_flv_files_are_media(stream_server, media_library):
    stream_server.virtual["/clip.flv"] = b"FLV\x01\x05\x00\x00\x00\x09" + bytes(64)

    report = probe(stream_server.url("/mp4/faststart.mp4"), stream_server.url("/clip.flv"))

    assert [f.outcome for f in findings(report, "file-is-media")] == ["pass", "pass"]
    assert report.outcome == "pass"
