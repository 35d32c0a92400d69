"""What the reports show a user: values as they are (never read as markup), and for the demo, why each
alert was raised and where every message went."""

from __future__ import annotations

import json

from cli_helpers import ROOT, playgate

ICE = ROOT / "tests" / "fixtures" / "ice"

MARKUP_RULES = """
version: 1
profiles:
  default:
    extends: builtin:default
    rules:
      - id: codec-is-hevc
        check: video[*].codec_name
        in: [hevc, h265]
      - id: title-looks-like-markup
        check: media.title
        eq: "[bold]x[/bold]"
      - id: definitions-have-4k
        check: definitions
        contains: 4K
"""


def _rows(table: str) -> list[list[str]]:
    """The cells of each body row of a rich table printed wide enough not to fold."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in table.splitlines() if line.startswith("│")]


def test_rules_check_shows_brackets_in_values_as_they_are(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(MARKUP_RULES)
    done = playgate(
        "rules", "check", "--rules", str(rules), "--media", str(ICE / "GetMediaInfo.json"),
        "--play", str(ICE / "GetPlayInfo.json"), "--failures-only",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = {row[2]: row for row in _rows(done.stdout)}
    assert rows["codec-is-hevc"][4:] == ["h264", "in [hevc, h265]"]
    assert rows["title-looks-like-markup"][5] == "= [bold]x[/bold]"
    assert rows["definitions-have-4k"][4].startswith("[") and "HD" in rows["definitions-have-4k"][4]


def _alerts(folder) -> list[dict]:
    return [json.loads(line)["data"] for line in (folder / "alerts.jsonl").read_text().splitlines()]


def test_the_demo_says_which_rule_failed_on_which_subject_and_where_each_message_went(tmp_path):
    out = tmp_path / "demo"
    done = playgate("demo", "--out", str(out), env={"COLUMNS": "400"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout.split("\nevents:")[0])
    by_job = {}
    for alert in _alerts(out):
        by_job.setdefault((alert["media_id"] or "-"), alert)
    alert_rows = [r for r in rows if r[4] == "qc.alert"]
    assert alert_rows
    for row in alert_rows:
        alert = by_job[row[2]]
        failed = [f for f in alert["findings"] if f["outcome"] == "fail"]
        if failed:
            first = failed[0]
            assert row[6].startswith(f"{first['rule']} on {first['subject']}: actual "), row
            assert f"expected {first['expected']}" in row[6], row
        else:
            assert row[6].startswith(alert["error"]["code"]), row
    dead = [r for r in rows if r[3].startswith("dead_letter")]
    assert dead and all(r[5] == "jsonl://dead-letters.jsonl" and r[6] for r in dead)
    # the hints name the files that hold the messages, and they hold them
    for name in ("alerts.jsonl", "playback.jsonl", "dead-letters.jsonl"):
        assert f"{out / name}:" in done.stdout and (out / name).stat().st_size > 0
    assert f"playgate dead-letters list {out / 'dead-letters.jsonl'}" in done.stdout


def test_the_demo_has_rows_for_ices_http_callback_signed_and_forged(tmp_path):
    done = playgate("demo", "--out", str(tmp_path / "demo"), env={"COLUMNS": "400"})
    assert done.returncode == 0, done.stderr
    rows = {r[0]: r for r in _rows(done.stdout.split("\nevents:")[0])}
    signed = rows["HTTP trigger (signed)"]
    assert signed[3] == "published (HTTP 200)" and signed[4] == "playback.ready"
    forged = rows["HTTP trigger, forged signature"]
    assert forged[3] == "refused (HTTP 401)" and "X-ICE-SIGNATURE" in forged[6]
    published = [
        json.loads(x)["data"] for x in (tmp_path / "demo" / "playback.jsonl").read_text().splitlines()
    ]
    assert "job-http-0012" in {m["job_id"] for m in published}
    assert "job-http-0013" not in {m["job_id"] for m in published}
