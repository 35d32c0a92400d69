"""Severity routing as a user means it: a robot routed ``severity=warning`` hears about the media that only
warned. Such a media is published (``playback.ready``, qc outcome ``warn``) with severity ``warning``, so
the robot is listed in ``PLAYGATE_PLAYBACK_SINK``; on ``PLAYGATE_ALERT_SINK`` (every alert is an error)
the same option is refused at startup, saying where it belongs."""

from __future__ import annotations

import json

import pytest

from playgate.errors import ConfigError
from playgate.testing.receivers import Receiver
from playgate.testing.sample_events import callback


def robot_url(robot: Receiver) -> str:
    return f"dingtalk+http://{robot.url.removeprefix('http://')}/robot/send?access_token=tok-warnings"


def test_a_robot_routed_warnings_hears_about_the_media_that_only_warned(make_world, robot, tmp_path):
    playback = f"jsonl://{tmp_path}/playback.jsonl,{robot_url(robot)}#severity=warning&best_effort=true"
    world = make_world(playback_sink=playback)
    warned = callback("MediaConvertComplete", "job-warned", "media-ladder-ok", user_data={"qcProfile": "x"})
    clean = callback("MediaConvertComplete", "job-clean", "media-ladder-ok")
    for event in (warned, clean):
        world.send(json.dumps(event))
    outcomes = {m["data"]["job_id"]: m["data"]["qc"]["outcome"] for m in world.messages("playback")}
    assert outcomes == {"job-warned": "warn", "job-clean": "pass"}
    [got] = robot.requests
    assert "job-warned" in got.json()["markdown"]["text"]


def test_severity_warning_on_the_alert_sink_is_refused_naming_the_playback_sink(make_world, robot, tmp_path):
    alerts = f"jsonl://{tmp_path}/alerts.jsonl,{robot_url(robot)}#severity=warning"
    with pytest.raises(
        ConfigError, match=r"PLAYGATE_ALERT_SINK.*PLAYGATE_PLAYBACK_SINK with #severity=warning"
    ):
        make_world(alert_sink=alerts)
