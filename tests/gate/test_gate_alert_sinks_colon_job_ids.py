"""A failing job whose id contains ``:`` (issue 9: such jobs must publish once) through the handler to a
DingTalk robot that is down for the first delivery: the redelivery sends only to the robot, which gets
the alert once with its CloudEvent id. bench/soak.py's per-sink count agrees (it once looked for
``job-soak-NNNNN`` in robot messages and so reported these alerts lost at the robot although they
arrived: the soak's "robot loses alerts under --hostile")."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from playgate.publish.templates import Templates
from playgate.testing.receivers import Answer
from playgate.testing.sample_events import callback

JOB = "job-soak:00033"  # as the soak's hostile share names its jobs with ':'


def load_soak() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "soak.py"
    spec = importlib.util.spec_from_file_location("playgate_bench_soak", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    return load_soak()


@pytest.fixture
def world(make_world, soak, robot, hook, tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOT_TOKEN", "robot-token-colon")
    monkeypatch.setenv("ROBOT_SECRET", "SECcolonRobotSecret")
    monkeypatch.setenv("HOOK_SECRET", soak.HOOK_SECRET)  # the soak's report verifies with its own secret
    host = robot.url.removeprefix("http://")
    sinks = ",".join(
        [
            f"jsonl://{tmp_path / 'alerts.jsonl'}",
            f"dingtalk+http://{host}/robot/send?access_token=${{ROBOT_TOKEN}}&secret=${{ROBOT_SECRET}}"
            "&retry_for=1",
            f"{hook.url}/hook?secret=${{HOOK_SECRET}}",
        ]
    )
    return make_world(alert_sink=sinks, region="cn-shanghai")


def test_an_alert_for_a_job_id_with_a_colon_reaches_the_robot_once(world, soak, robot, hook):
    event = callback("MediaConvertComplete", JOB, "media-broken-rendition")
    robot.ok = Answer(503, {"message": "down"})
    assert world.send(event).get("retry") is True  # the robot is required: not completed without it
    assert len(hook.accepted()) == 1 and not robot.accepted()

    robot.ok = Answer()
    assert world.send(event)["results"][0]["status"] == "published"
    world.send(event)  # completed: nothing is sent again
    [alert] = world.messages("alerts")
    assert alert["data"]["job_id"] == JOB
    assert len(hook.accepted()) == 1  # the redelivery went only where it had not been delivered
    [ding] = robot.accepted()
    text = ding.json()["markdown"]["text"]
    assert f"`{JOB}`" in text and f"id `{alert['id']}`" in text

    figures = soak.sink_report(world.messages("alerts"), robot, hook)
    assert figures["robot: alerts arrived / lost / twice"] == "1 / 0 / 0"
    assert figures["webhook: alerts arrived / lost / twice"] == "1 / 0 / 0"
    assert figures["robot: twice with another id"] == 0 and figures["_broken"] == 0


def test_the_soak_reads_job_ids_with_a_colon_in_a_robot_digest(world, soak):
    event = callback("MediaConvertComplete", JOB, "media-broken-rendition")
    world.send(event)
    alerts = world.messages("alerts")
    other = {**alerts[0], "data": {**alerts[0]["data"], "job_id": "job-soak-00034"}}
    _, digest = Templates().render_digest([alerts[0], other])
    assert soak.jobs_named(digest) == [JOB, "job-soak-00034"]
