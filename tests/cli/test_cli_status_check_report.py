"""Issue 20, operating the gate from the command line: ``status``, ``check`` and ``report`` read the ledger
that real events wrote (the emulator over HTTP, a SQLite store), as a user runs them: subprocesses."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from cli_helpers import playgate

from playgate.testing import sample_catalog_path
from playgate.testing.sample_events import callback

BROKEN, LADDER = "media-broken-rendition", "media-ladder-ok"


@pytest.fixture
def gated(local_env, tmp_path) -> dict[str, str]:
    """Two events gated by the function's path: one media fails its rules, one passes."""
    events = [
        callback("MediaConvertComplete", "job-ops-1", BROKEN),
        callback("MediaConvertComplete", "job-ops-2", LADDER),
    ]
    files = []
    for i, event in enumerate(events):
        files.append(tmp_path / f"event-{i}.json")
        files[-1].write_text(json.dumps(event))
    done = playgate("run", *map(str, files), env=local_env)
    assert done.returncode == 0, done.stderr
    return local_env


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_status_shows_the_latest_verdict_why_and_where_and_exits_by_it(gated, tmp_path):
    failed = playgate("status", BROKEN, "--format", "json", env=gated)
    assert failed.returncode == 1, failed.stderr
    shown = json.loads(failed.stdout)
    [alert] = lines(tmp_path / "alerts.jsonl")
    latest = shown["latest"]
    assert (latest["outcome"], latest["reason"], latest["job_id"]) == ("fail", "qc_failed", "job-ops-1")
    assert latest["message_id"] == alert["id"]
    assert latest["report"]["findings"] == alert["data"]["findings"]
    assert list(latest["report"]["sinks"].values()) == ["delivered"]

    passed = playgate("status", "job-ops-2", "--format", "markdown", env=gated)
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.startswith("# playgate status: job-ops-2")
    assert "Latest verdict: **pass**" in passed.stdout


def test_status_as_a_table_fits_80_columns_and_names_the_failing_rule(gated):
    done = playgate("status", BROKEN, env={**gated, "COLUMNS": "80"})
    assert done.returncode == 1
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    rule = json.loads(playgate("status", BROKEN, "--format", "json", env=gated).stdout)["latest"][
        "failing_rules"
    ][0]
    assert rule[:15] in done.stdout


def test_status_of_an_unknown_media_says_so_and_exits_2(gated):
    done = playgate("status", "media-never-seen", env=gated)
    assert done.returncode == 2
    assert "no verdict about 'media-never-seen'" in done.stderr and "Traceback" not in done.stderr


def test_status_with_a_store_that_keeps_no_verdicts_names_playgate_ledger(gated, redis_url):
    env = {**gated, "PLAYGATE_STORE": f"{redis_url}?prefix=ops-{uuid.uuid4().hex}:"}
    done = playgate("status", BROKEN, env=env)
    assert done.returncode == 2
    assert "PLAYGATE_LEDGER" in done.stderr and "Traceback" not in done.stderr


def test_check_without_publish_changes_nothing(gated, tmp_path):
    before = (lines(tmp_path / "alerts.jsonl"), lines(tmp_path / "playback.jsonl"))
    done = playgate("check", BROKEN, "--format", "json", env=gated)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["latest"]["outcome"] == "fail"
    assert "nothing was published or recorded" in done.stderr
    assert (lines(tmp_path / "alerts.jsonl"), lines(tmp_path / "playback.jsonl")) == before
    history = json.loads(playgate("status", BROKEN, "--format", "json", env=gated).stdout)["history"]
    assert len(history) == 1


def test_check_with_publish_sends_a_new_message_and_records_a_recheck(gated, tmp_path, emulator_server):
    first = lines(tmp_path / "alerts.jsonl")
    retranscoded = {  # the media is transcoded again: now it has the good ladder's renditions
        kind: json.loads(
            (sample_catalog_path() / f"{LADDER}.{kind}.json").read_text().replace(LADDER, BROKEN)
        )
        for kind in ("media", "play")
    }
    emulator_server.emulator.add_media(BROKEN, retranscoded["media"], retranscoded["play"])
    done = playgate("check", BROKEN, "--publish", "--format", "json", env=gated)
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)["latest"]
    assert (verdict["recheck"], verdict["outcome"], verdict["message_type"]) == (
        True,
        "pass",
        "playgate.playback.ready",
    )
    messages = lines(tmp_path / "alerts.jsonl") + lines(tmp_path / "playback.jsonl")
    [recheck] = [m for m in messages if m["data"].get("recheck")]
    assert recheck["id"] == verdict["message_id"] and recheck["id"] not in {m["id"] for m in first}
    history = json.loads(playgate("status", BROKEN, "--format", "json", env=gated).stdout)["history"]
    assert [(v["recheck"], v["outcome"]) for v in history] == [(True, "pass"), (False, "fail")]
    assert playgate("status", BROKEN, env=gated).returncode == 0  # the exit code follows the latest verdict


def test_report_sums_up_the_ledger(gated, tmp_path):
    done = playgate("report", "--since", "1d", "--format", "json", env=gated)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    with sqlite3.connect(tmp_path / "store.sqlite3") as db:
        outcomes = dict(
            db.execute("SELECT outcome, COUNT(*) FROM playgate_verdicts GROUP BY outcome").fetchall()
        )
        rules = db.execute("SELECT failing_rules FROM playgate_verdicts WHERE outcome = 'fail'").fetchone()[0]
    assert report["total"] == sum(outcomes.values()) == 2
    assert {k: v for k, v in report["outcomes"].items() if v} == outcomes
    assert report["top_rules"][0]["rule"] == rules.split(",")[0]
    assert report["top_rules"][0]["examples"] == [BROKEN]
    assert report["alerts"]["count"] == outcomes.get("fail", 0)
    assert report["latency_s"]["count"] == 2


def test_report_writes_html_and_markdown_files(gated, tmp_path):
    for fmt, start in (("html", "<!DOCTYPE html>"), ("markdown", "# playgate report")):
        out = tmp_path / f"report.{fmt}"
        done = playgate("report", "--format", fmt, "--out", str(out), env=gated)
        assert done.returncode == 0, done.stderr
        assert out.read_text().startswith(start)
        assert str(out) in done.stderr


@pytest.mark.parametrize(
    "args, problem",
    [
        (["--since", "a week"], "is not a duration"),
        (["--from", "yesterday"], "is not a date"),
        (["--since", "1d", "--from", "2026-01-01"], "not both"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "the period is empty"),
    ],
)
def test_a_bad_period_is_one_line_and_exit_2(gated, args, problem):
    done = playgate("report", *args, env=gated)
    assert done.returncode == 2
    assert problem in done.stderr and "Traceback" not in done.stderr


def test_status_shows_the_ice_write_back_sinks_of_a_verdict(local_env, tmp_path, emulator_server):
    env = {
        **local_env,
        "PLAYGATE_ALERT_SINK": f"jsonl://{tmp_path / 'alerts.jsonl'},ice://block,ice://tag",
        "PLAYGATE_PLAYBACK_SINK": f"jsonl://{tmp_path / 'playback.jsonl'},ice://block,ice://tag",
    }
    event = tmp_path / "event.json"
    event.write_text(json.dumps(callback("MediaConvertComplete", "job-ops-ice", BROKEN)))
    assert playgate("run", str(event), env=env).returncode == 0
    assert emulator_server.emulator.audit(BROKEN)["Status"] == "Blocked"
    shown = playgate("status", BROKEN, "--format", "json", env=env)
    sinks = json.loads(shown.stdout)["latest"]["report"]["sinks"]
    assert {k: v for k, v in sinks.items() if k.startswith("ice://")} == {
        "ice://block": "delivered",
        "ice://tag": "delivered",
    }
    table = playgate("status", BROKEN, env={**env, "COLUMNS": "120"})
    assert "ice://block" in table.stdout and "ice://tag" in table.stdout
