"""`playgate probe` as a subprocess: exit codes, the report shared with `rules check`, rule files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from playgate.testing import sample_catalog_path

MASTER = "/hls/master.m3u8"


def playgate(*args: str, allow: str = "127.0.0.1") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLAYGATE_PROBE_ALLOW_HOSTS": allow}
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_a_clean_ladder_exits_0_and_a_dropped_segment_exits_1_with_the_finding(stream_server):
    clean = playgate("probe", stream_server.url(MASTER), "--format", "json")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["outcome"] == "pass"

    stream_server.status["/hls/v0/seg_001.m4s"] = 404
    broken = playgate("probe", stream_server.url(MASTER), "--format", "markdown", "--failures-only")
    assert broken.returncode == 1
    assert "url-reachable" in broken.stdout and "/hls/v0/seg_001.m4s" in broken.stdout


def test_the_json_report_has_the_shape_of_rules_check(stream_server, tmp_path):
    catalog = sample_catalog_path()
    rules = playgate(
        "rules", "check", "--media", str(catalog / "media-ladder-ok.media.json"), "--format", "json"
    )
    probed = playgate("probe", stream_server.url(MASTER), "--format", "json")
    rules_report, probe_report = json.loads(rules.stdout), json.loads(probed.stdout)

    assert probe_report.keys() == rules_report.keys()
    assert probe_report["schema"] == rules_report["schema"] == "playgate.rules.report/1"
    assert probe_report["findings"][0].keys() == rules_report["findings"][0].keys()
    finding = probe_report["findings"][0]
    assert {"rule", "severity", "outcome", "subject", "actual", "expected", "message"} <= finding.keys()


def test_a_signed_query_appears_in_no_output(stream_server):
    stream_server.auth_key = "do-not-print-me"
    stream_server.status["/hls/v1/seg_000.m4s"] = 500

    for output in ("table", "json", "markdown"):
        done = playgate("probe", stream_server.url(MASTER, signed=True), "--format", output)

        assert done.returncode == 1
        assert "do-not-print-me" not in done.stdout + done.stderr
        assert output == "table" or "seg_000.m4s" in done.stdout  # the table shortens long values


def test_max_segments_sets_the_budget(stream_server):
    done = playgate(
        "probe", stream_server.url("/hls/v0/index.m3u8"), "--max-segments", "1", "--format", "json"
    )

    assert done.returncode == 0
    assert [p for _, p in stream_server.requests if "/seg_" in p] == ["/hls/v0/seg_000.m4s"]


def test_a_rule_file_changes_a_checks_threshold_and_severity(stream_server, tmp_path):
    stream_server.bandwidth_factor = 1 / 3
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "profiles:\n"
        "  lenient:\n"
        "    probe_checks:\n"
        "      hls-bandwidth-matches-measured: {tolerance: 3.0}\n"
        "  warn-only:\n"
        "    probe_checks:\n"
        "      hls-bandwidth-matches-measured: {severity: warning}\n"
        "  dropped:\n"
        "    disable: [hls-bandwidth-matches-measured]\n"
    )
    url = stream_server.url(MASTER)

    assert playgate("probe", url).returncode == 1
    assert playgate("probe", url, "--rules", str(rules), "--profile", "lenient").returncode == 0
    warned = playgate("probe", url, "--rules", str(rules), "--profile", "warn-only", "--format", "json")
    assert warned.returncode == 0 and json.loads(warned.stdout)["outcome"] == "warn"
    off = playgate("probe", url, "--rules", str(rules), "--profile", "dropped", "--format", "json")
    assert off.returncode == 0
    assert "hls-bandwidth-matches-measured" not in {f["rule"] for f in json.loads(off.stdout)["findings"]}


def test_bad_input_exits_2_naming_it(tmp_path):
    ftp = playgate("probe", "ftp://example.com/a.m3u8?token=abc")
    assert ftp.returncode == 2 and "ftp://example.com/a.m3u8" in ftp.stderr and "token" not in ftp.stderr

    profile = playgate("probe", "http://127.0.0.1:9/a.m3u8", "--profile", "nope")
    assert profile.returncode == 2 and "'nope' is not a profile" in profile.stderr

    rules = tmp_path / "bad.yml"
    rules.write_text("profiles:\n  default:\n    probe: deep\n    probe_checks:\n      no-such-check: {}\n")
    bad = playgate("probe", "http://127.0.0.1:9/a.m3u8", "--rules", str(rules))
    assert bad.returncode == 2
    assert "probe must be one of none, manifest" in bad.stderr and "no-such-check" in bad.stderr
