"""Issue 20, the ledger: every verdict the gate publishes is kept, with its reason and where it went.

Through the real handler, the emulator over HTTP and each store: SQLite and PostgreSQL keep verdicts in
the claim's own transaction; beside Redis they go to PLAYGATE_LEDGER, or nowhere when it is off.
"""

from __future__ import annotations

import json
import uuid

import pytest

from playgate.testing.sample_events import callback

BROKEN = "media-broken-rendition"
LADDER = "media-ladder-ok"


@pytest.fixture(params=["sqlite", "postgresql", "redis+sqlite-ledger"])
def world(request, make_world, tmp_path):
    if request.param == "sqlite":
        return make_world()
    if request.param == "postgresql":
        return make_world(store=request.getfixturevalue("postgresql_url"))
    redis = f"{request.getfixturevalue('redis_url')}?prefix=ledger-{uuid.uuid4().hex}:"
    return make_world(store=redis, ledger=f"sqlite:///{tmp_path}/ledger.sqlite3")


def test_an_alert_and_a_pass_are_kept_with_their_reasons_findings_and_sinks(world):
    world.send(callback("MediaConvertComplete", "job-ledger-1", BROKEN))
    world.send(callback("MediaConvertComplete", "job-ledger-2", LADDER))
    ledger = world.runtime.gate.ledger

    [failed] = ledger.verdict_history(BROKEN)
    [alert] = world.messages("alerts")
    assert (failed.outcome, failed.reason, failed.job_id) == ("fail", "qc_failed", "job-ledger-1")
    assert failed.message_id == alert["id"] and failed.message_type == "playgate.qc.alert"
    assert failed.failing_rules and set(failed.failing_rules) == {
        f["rule"] for f in alert["data"]["findings"] if f["outcome"] == "fail"
    }
    assert failed.report["findings"] == alert["data"]["findings"]
    assert list(failed.report["sinks"].values()) == ["delivered"]
    assert failed.event_time <= failed.decided_at

    [passed] = ledger.verdict_history("job-ledger-2")
    [ready] = world.messages("playback")
    assert (passed.outcome, passed.media_id, passed.message_id) == (
        ready["data"]["qc"]["outcome"],
        LADDER,
        ready["id"],
    )
    assert passed.profile == ready["data"]["qc"]["profile"]


def test_a_duplicate_adds_no_verdict_and_a_retried_event_none_until_it_is_decided(world):
    event = callback("MediaConvertComplete", "job-ledger-dup", BROKEN)
    world.emulator.inject("5xx", rate=1.0, seed=1)
    assert world.send(event).get("retry") is True
    assert world.runtime.gate.ledger.verdict_history(BROKEN) == []
    world.emulator.clear_faults()
    world.send(event)
    world.send(event)
    assert len(world.runtime.gate.ledger.verdict_history(BROKEN)) == 1


def test_every_decision_logs_one_verdict_line_with_the_documented_fields(make_world, capsys):
    world = make_world(log_level="info")
    world.send(callback("MediaConvertComplete", "job-ledger-log", BROKEN))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [verdict] = [line for line in lines if line.get("event") == "playgate.verdict"]
    assert not [line for line in lines if line.get("event") == "event.done"]  # one line ends the event
    assert verdict["status"] == "published" and verdict["duration_ms"] >= 0
    assert verdict["destination"].endswith("alerts.jsonl") and verdict["detail"]["id"]
    assert verdict["outcome"] == "fail" and verdict["reason"] == "qc_failed"
    assert verdict["media_id"] == BROKEN and verdict["job_id"] == "job-ledger-log"
    assert verdict["failing_rules"] and verdict["event_to_verdict_s"] >= 0
    assert {"profile", "recheck"} <= verdict.keys()
    assert verdict["probe_s"] is None and verdict["decode_s"] is None  # the default profile does not probe


def test_with_redis_and_the_ledger_off_nothing_is_kept_and_events_still_publish(make_world, redis_url):
    world = make_world(store=f"{redis_url}?prefix=ledger-off-{uuid.uuid4().hex}:", ledger="off")
    assert world.runtime.gate.ledger is None
    assert (
        world.send(callback("MediaConvertComplete", "job-ledger-off", BROKEN))["results"][0]["status"]
        == "published"
    )


def test_a_ledger_url_that_cannot_keep_verdicts_is_a_configuration_error(make_world, redis_url):
    from playgate.errors import ConfigError

    with pytest.raises(ConfigError, match="PLAYGATE_LEDGER"):
        make_world(ledger=redis_url)


def test_an_event_that_ends_as_a_dead_letter_is_kept_as_one(world):
    unknown_job = f"job-{uuid.uuid4().hex}"  # a media-information job ICE does not list
    summary = world.send(callback("MediaInfoJobComplete", unknown_job, "media-audio-only"))
    assert [r["status"] for r in summary["results"]] == ["dead_letter"], summary
    [kept] = world.runtime.gate.ledger.verdict_history(unknown_job)
    assert (kept.outcome, kept.reason, kept.message_type) == (
        "dead_letter",
        "unconfirmed_by_ice",
        "playgate.dead_letter",
    )
    assert kept.report["error"]["reason"] == "unconfirmed_by_ice"
