"""End to end: one failing media through the FC handler reaches a DingTalk robot and a signed webhook
beside the primary sink, each verified as its receiver would; a redelivery sends nothing twice."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from standardwebhooks.webhooks import Webhook

from playgate.testing.receivers import Answer
from playgate.testing.sample_events import callback

HOOK_SECRET = "whsec_" + base64.b64encode(b"end-to-end-webhook-secret-key-32").decode()
ROBOT_SECRET = "SECend2endRobotSecret"


@pytest.fixture
def world(make_world, robot, hook, tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOT_TOKEN", "robot-token-e2e")
    monkeypatch.setenv("ROBOT_SECRET", ROBOT_SECRET)
    monkeypatch.setenv("HOOK_SECRET", HOOK_SECRET)
    host = robot.url.removeprefix("http://")
    sinks = ",".join(
        [
            f"jsonl://{tmp_path / 'alerts.jsonl'}",
            f"dingtalk+http://{host}/robot/send?access_token=${{ROBOT_TOKEN}}&secret=${{ROBOT_SECRET}}"
            "&retry_for=1",
            f"{hook.url}/playgate?secret=${{HOOK_SECRET}}",
        ]
    )
    return make_world(alert_sink=sinks, region="cn-shanghai")


def test_one_failing_media_reaches_the_robot_and_the_webhook(world, robot, hook):
    event = callback("MediaConvertComplete", "job-broken-e2e", "media-broken-rendition")
    summary = world.send(event)
    assert summary["results"][0]["status"] == "published"
    [alert] = world.messages("alerts")

    [hooked] = hook.requests
    assert Webhook(HOOK_SECRET).verify(hooked.body, hooked.headers) == alert
    assert hooked.headers["webhook-id"] == alert["id"]

    [ding] = robot.requests
    stamp = ding.query["timestamp"]
    expected = hmac.new(ROBOT_SECRET.encode(), f"{stamp}\n{ROBOT_SECRET}".encode(), hashlib.sha256).digest()
    assert ding.query["sign"] == base64.b64encode(expected).decode()
    text = ding.json()["markdown"]["text"]
    failing = [f for f in alert["data"]["findings"] if f["outcome"] == "fail"]
    assert "media-broken-rendition" in text and "job-broken-e2e" in text
    assert all(f["rule"] in text for f in failing)
    assert "mediaId=media-broken-rendition" in text

    world.send(event)  # a redelivery: completed, nothing sent anywhere again
    assert len(world.messages("alerts")) == 1 and len(hook.requests) == 1 and len(robot.requests) == 1


def test_a_robot_outage_is_retried_by_redelivery_without_resending_elsewhere(world, robot, hook):
    robot.ok = Answer(503, {})
    event = callback("MediaConvertComplete", "job-broken-e2e-2", "media-broken-rendition")
    first = world.send(event)
    assert first.get("retry") is True
    assert len(world.messages("alerts")) == 1 and len(hook.accepted()) == 1

    robot.ok = Answer()
    second = world.send(event)
    assert second["results"][0]["status"] == "published"
    assert len(world.messages("alerts")) == 1 and len(hook.accepted()) == 1
    assert len(robot.accepted()) == 1
