"""What the reports show a user: values as they are (never read as markup), and for the demo, why each
alert was raised and where every message went."""

from __future__ import annotations

import json

import pytest
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


def _demo_rows(stdout: str) -> list[tuple[str, str]]:
    """(delivery, what happened) for each row of the demo's table, a cell's lines joined by spaces."""
    rows, cells = [], None
    for line in stdout.split("\nevents:")[0].splitlines():
        if line.startswith("│"):
            cells = cells or ([], [])
            for parts, text in zip(cells, line.split("│")[1:-1], strict=True):
                if text.strip():
                    parts.append(text.strip())
        elif line.startswith(("├", "└")) and cells:
            rows.append((" ".join(cells[0]), " ".join(cells[1])))
            cells = None
    return rows


def _squashed(text: str) -> str:
    """Text without whitespace: what is left of a sentence however a table wrapped or folded it."""
    return "".join(text.split())


def _expected_why(alert: dict) -> str:
    """What the demo must say for an alert, worked out from the alert itself."""
    failed = [f for f in alert["findings"] if f["outcome"] == "fail"]
    if not failed:
        return f"{alert['error']['code']}: {alert['error']['message']}"
    first, actual = failed[0], failed[0]["actual"]
    actual = actual if isinstance(actual, str) else json.dumps(actual, ensure_ascii=False)
    return f"{first['rule']} on {first['subject']}: actual {actual}, expected {first['expected']}"


@pytest.mark.parametrize("columns", [80, 120, 180])
def test_the_demo_fits_the_terminal_and_says_every_alerts_why_in_full(tmp_path, columns):
    out = tmp_path / "demo"
    done = playgate("demo", "--out", str(out), env={"COLUMNS": str(columns)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= columns
    rows = _demo_rows(done.stdout)
    alerts = _alerts(out)
    alert_rows = [what for _, what in rows if "→ qc.alert in" in what]
    assert len(alert_rows) == len([a for a in alerts if a["event_type"] != "MediaInfoJobComplete"])
    for alert in alerts:
        if alert["event_type"] == "MediaInfoJobComplete":
            continue  # the sweep's alerts are counted, not listed
        media = alert["media_id"] or "-"
        (row,) = [what for what in alert_rows if what.startswith(f"{alert['event_type']} · {media}")]
        assert _squashed(f"why: {_expected_why(alert)}") in _squashed(row), row
    assert "…" not in done.stdout.split("\nevents:")[0]


def test_the_demo_says_where_each_message_went_and_why_a_duplicate_published_nothing(tmp_path):
    out = tmp_path / "demo"
    done = playgate("demo", "--out", str(out), env={"COLUMNS": "100"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = _demo_rows(done.stdout)
    dead = [what for _, what in rows if what.startswith("(no ICE event read) dead_letter")]
    assert len(dead) == len((out / "dead-letters.jsonl").read_text().splitlines())
    assert all("→ jsonl://dead-letters.jsonl why: " in _unfolded(what) for what in dead)
    (duplicate,) = [what for delivery, what in rows if delivery.endswith("duplicate")]
    assert _squashed("duplicate why: already handled: its record (mediaconvert:job-convert-0001:") in (
        _squashed(duplicate)
    )
    assert _squashed("is in demo/store.sqlite3, so nothing was published again") in _squashed(duplicate)
    # the hints name the files that hold the messages, and they hold them
    for name in ("alerts.jsonl", "playback.jsonl", "dead-letters.jsonl"):
        assert f"{out / name}:" in _unwrapped(done.stdout) and (out / name).stat().st_size > 0
    assert f"playgate dead-letters list {out / 'dead-letters.jsonl'}" in _unwrapped(done.stdout)


def _unfolded(text: str) -> str:
    return " ".join(text.split())


def _unwrapped(text: str) -> str:
    """The hints below the table, as one line: the console wraps them at the terminal's width."""
    return " ".join(text.split("\nevents:")[1].split())


def test_the_demos_media_not_ready_row_says_how_late_in_hours(tmp_path):
    done = playgate("demo", "--out", str(tmp_path / "demo"), env={"COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    (row,) = [what for delivery, what in _demo_rows(done.stdout) if delivery.endswith("media not ready")]
    assert "has status 'Preparing' 2 h after its event" in _unfolded(row)


def test_the_demo_kept_says_published_0_without_an_empty_list(tmp_path):
    assert playgate("demo", "--out", str(tmp_path / "demo")).returncode == 0
    done = playgate("demo", "--out", str(tmp_path / "demo"), "--keep", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    (sweep,) = [line for line in done.stdout.splitlines() if line.startswith("reconciler sweep")]
    assert ": 36 jobs, published 0, duplicates 34, still running 2" in sweep
    assert "()" not in done.stdout


def test_the_demo_has_rows_for_ices_http_callback_signed_and_forged(tmp_path):
    done = playgate("demo", "--out", str(tmp_path / "demo"), env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    rows = dict(_demo_rows(done.stdout))
    signed = rows["HTTP trigger (signed)"]
    assert "published (HTTP 200) → playback.ready in jsonl://playback.jsonl" in signed
    forged = rows["HTTP trigger, forged signature"]
    assert "refused (HTTP 401)" in forged and "X-ICE-SIGNATURE" in forged
    published = [
        json.loads(x)["data"] for x in (tmp_path / "demo" / "playback.jsonl").read_text().splitlines()
    ]
    assert "job-http-0012" in {m["job_id"] for m in published}
    assert "job-http-0013" not in {m["job_id"] for m in published}


def test_probe_shows_each_findings_sentence_and_names_what_it_probed():
    url = "http://127.0.0.1:9/vod/master.m3u8"
    report = json.loads(playgate("probe", f"{url}?auth_key=1-0-0-secret", "--format", "json").stdout)
    done = playgate("probe", f"{url}?auth_key=1-0-0-secret", env={"COLUMNS": "120"})
    assert done.returncode == 1, done.stderr
    assert f"QC FAIL for {url} (profile default)" in " ".join(done.stdout.split())
    assert "media ?" not in done.stdout and "secret" not in done.stdout
    found = "".join(row[-1] for row in _rows(done.stdout))  # the last column, every line of it
    assert any(f["outcome"] == "fail" and not isinstance(f["actual"], str) for f in report["findings"])
    for finding in report["findings"]:
        assert _squashed(finding["message"]) in _squashed(found)
    assert "{'" not in done.stdout


def test_probe_of_a_local_file_without_decode_says_to_add_it(tmp_path):
    movie = tmp_path / "movie.mp4"
    movie.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    done = playgate("probe", str(movie))
    assert done.returncode == 2
    assert f"a local file is decoded, not fetched: playgate probe {movie} --decode" in done.stderr
    missing = playgate("probe", str(tmp_path / "nope.mp4"))
    assert missing.returncode == 2 and "(a local file is accepted with --decode)" in missing.stderr
