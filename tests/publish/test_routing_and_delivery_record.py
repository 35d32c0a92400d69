"""Several sinks per message type: required and best-effort sinks, severity and profile filters, and the
per-sink delivery record (real SQLite and Redis) that makes a redelivery send only where it had not."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from publish_helpers import alert_event, make_settings

from playgate import log
from playgate.errors import ConfigError, SinkRejected
from playgate.publish import Publisher
from playgate.store import open_store
from playgate.testing.receivers import Answer, Receiver
from waiting import eventually

SECRET = "whsec_" + base64.b64encode(b"routing-test-webhook-key-32bytes").decode()


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/store.sqlite3"
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgresql_url")
    else:
        url = f"{request.getfixturevalue('redis_url')}?prefix=routing-{uuid.uuid4().hex}:"
    opened = open_store(url)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DT_TOKEN", "token-routing")
    monkeypatch.setenv("HOOK_SECRET", SECRET)


def robot_url(robot: Receiver, options: str = "") -> str:
    return (
        f"dingtalk+http://{robot.url.removeprefix('http://')}/robot/send?access_token=${{DT_TOKEN}}{options}"
    )


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def deadline(seconds: float) -> float:
    return time.monotonic() + seconds


def test_a_redelivery_sends_only_where_it_was_not_delivered_with_the_same_id(store, robot, hook, tmp_path):
    primary = tmp_path / "alerts.jsonl"
    sinks = f"jsonl://{primary},{robot_url(robot)},{hook.url}/in?secret=${{HOOK_SECRET}}"
    publisher = Publisher(make_settings(alert_sink=sinks), deliveries=store)
    event = alert_event()
    robot.ok = Answer(503, {})
    with pytest.raises(Exception) as first:
        publisher.publish(event, deadline=deadline(1.0))
    assert first.value.retryable
    assert len(lines(primary)) == 1 and len(hook.accepted()) == 1 and not robot.accepted()

    robot.ok = Answer()
    destinations = publisher.publish(event, deadline=deadline(5.0))
    assert len(lines(primary)) == 1, "the primary sink took it the first time: not sent again"
    assert len(hook.accepted()) == 1 and len(robot.accepted()) == 1
    assert destinations.count(",") == 2 and "token-routing" not in destinations

    publisher.publish(event, deadline=deadline(5.0))  # a third delivery: everything is recorded
    assert len(lines(primary)) == 1 and len(hook.accepted()) == 1 and len(robot.accepted()) == 1
    assert {r.headers["webhook-id"] for r in hook.requests} == {event["id"]}


def test_a_best_effort_sink_that_fails_does_not_hold_the_event_back(store, robot, tmp_path):
    primary = tmp_path / "alerts.jsonl"
    robot.ok = Answer(500, {})
    sinks = f"{robot_url(robot, '&best_effort=true&retry_for=0.3')},jsonl://{primary}"
    publisher = Publisher(make_settings(alert_sink=sinks), deliveries=store)
    assert publisher.publish(alert_event()) == f"jsonl://{primary}"
    assert len(lines(primary)) == 1 and robot.requests


def test_severity_and_profile_choose_the_sinks(robot, tmp_path):
    primary = tmp_path / "alerts.jsonl"
    only_news = robot_url(robot, "#severity=error&profile=news")
    only_premium = robot_url(robot, "#profile=premium|news")
    publisher = Publisher(make_settings(alert_sink=f"jsonl://{primary},{only_news},{only_premium}"))
    publisher.publish(alert_event())  # severity error, profile hls-ladder: neither robot wants it
    assert not robot.requests and len(lines(primary)) == 1
    premium = alert_event()
    premium["data"]["profile"] = "premium"
    publisher.publish(premium)
    assert len(robot.requests) == 1


def test_a_severity_no_message_of_the_setting_has_is_refused_with_where_it_belongs(robot, tmp_path):
    warnings = robot_url(robot, "#severity=warning")
    publisher = Publisher(make_settings(alert_sink=f"jsonl://{tmp_path}/a.jsonl,{warnings}"))
    with pytest.raises(ConfigError, match=r"PLAYGATE_ALERT_SINK.*severity=warning.*PLAYGATE_PLAYBACK_SINK"):
        publisher.routes_for("playgate.qc.alert")
    with pytest.raises(ConfigError, match=r"unknown severity warn; use error, warning, info"):
        Publisher(make_settings(playback_sink=robot_url(robot, "#severity=warn"))).routes_for(
            "playgate.playback.ready"
        )


def test_a_final_failure_wins_over_a_retryable_one_so_the_event_is_dead_lettered(store, robot, hook):
    robot.ok = Answer(200, {"errcode": 310000, "errmsg": "sign not match"})
    hook.ok = Answer(503, {})
    sinks = f"{robot_url(robot)},{hook.url}/in?secret=${{HOOK_SECRET}}&retry_for=0.3"
    publisher = Publisher(make_settings(alert_sink=sinks), deliveries=store)
    with pytest.raises(SinkRejected, match="configuration error"):
        publisher.publish(alert_event())


def test_the_delivery_record_expires(store):
    store.mark_delivered("msg-1", "dingtalk://a", ttl_s=60)
    store.mark_delivered("msg-1", "jsonl:///x", ttl_s=60)
    store.mark_delivered("msg-2", "jsonl:///x", ttl_s=0.3)
    assert store.delivered_sinks("msg-1") == {"dingtalk://a", "jsonl:///x"}
    assert store.delivered_sinks("msg-3") == set()
    eventually(lambda: store.delivered_sinks("msg-2") == set())  # its TTL ran out
    assert store.delivered_sinks("msg-1") == {"dingtalk://a", "jsonl:///x"}  # marked together, kept


def test_a_bad_routing_option_names_the_setting(tmp_path):
    publisher = Publisher(make_settings(alert_sink=f"jsonl://{tmp_path}/a.jsonl?best_effort=maybe"))
    with pytest.raises(ConfigError, match=r"PLAYGATE_ALERT_SINK.*best_effort"):
        publisher.publish(alert_event())
    with pytest.raises(ConfigError, match="empty entry"):
        Publisher(make_settings(alert_sink="stdout:,,stdout:")).publish(alert_event())


@pytest.fixture
def forget_log_config() -> Iterator[None]:
    """The test points structlog at the captured stdout; afterwards structlog forgets that stream."""
    yield
    structlog.reset_defaults()
    log._configured = False


@pytest.mark.usefixtures("forget_log_config")
def test_no_token_or_secret_reaches_the_log_or_the_error(robot, tmp_path, capsys, monkeypatch):
    log.configure(json=True, level="debug")  # here, once capsys is capturing
    monkeypatch.setenv("DT_SECRET", "SECthisMustNeverBeLogged")
    robot.ok = Answer(401, {"errmsg": "token token-routing is invalid"})
    literal = f"dingtalk+http://{robot.url.removeprefix('http://')}/send?access_token=literalTok3n&secret=SEClit3ral"
    sinks = f"jsonl://{tmp_path}/a.jsonl,{robot_url(robot, '&secret=${DT_SECRET}')},{literal}"
    with pytest.raises(SinkRejected) as caught:
        Publisher(make_settings(alert_sink=sinks)).publish(alert_event())
    shown = capsys.readouterr().out + str(caught.value)
    assert "message.not_sent" in shown
    for secret in ("token-routing", "SECthisMustNeverBeLogged", "literalTok3n", "SEClit3ral"):
        assert secret not in shown


def test_two_instances_share_one_robot_window_and_digest_through_the_store(store, robot, tmp_path):
    settings = make_settings(alert_sink=robot_url(robot))
    instances = [Publisher(settings, deliveries=store), Publisher(settings, deliveries=store)]
    for i in range(30):
        event = alert_event()
        event["id"] = f"shared-{i:02d}"
        event["data"] = {**event["data"], "media_id": f"media-shared-{i:02d}"}
        instances[i % 2].publish(event)
    assert len(robot.requests) == 19  # one window for both: 19 singles, the 20th slot kept for a digest
    assert [p.sink_for("playgate.qc.alert").pending for p in instances] == [11, 11]
    for instance in instances:
        instance.flush()
    assert len(robot.requests) == 20  # one digest, sent by whichever instance flushed first, with all 11
    digest = robot.requests[-1].json()["markdown"]
    assert "11 more alerts" in digest["title"]
    assert all(f"media-shared-{i:02d}" in digest["text"] for i in range(19, 30))
    assert [p.sink_for("playgate.qc.alert").pending for p in instances] == [0, 0]


def test_held_items_are_taken_once_newest_kept(store):
    for i in range(5):
        store.push_item("robot-z", f"item-{i}", max_items=3, ttl_s=60)
    assert store.count_items("robot-z") == 3
    assert store.take_items("robot-z") == ["item-2", "item-3", "item-4"]
    assert store.take_items("robot-z") == [] and store.count_items("robot-z") == 0


def test_take_slot_is_a_sliding_window(store):
    assert all(store.take_slot("robot-x", 3, window_s=60) for _ in range(3))
    assert not store.take_slot("robot-x", 3, window_s=60)
    assert store.take_slot("robot-y", 3, window_s=60, keep=2)
    assert not store.take_slot("robot-y", 3, window_s=60, keep=2)
    assert all(store.take_slot("robot-z", 3, window_s=0.3) for _ in range(3))
    eventually(lambda: store.take_slot("robot-z", 3, window_s=0.3))  # the window slid past the first slot
    assert not store.take_slot("robot-x", 3, window_s=60)  # a window not yet past stays full
