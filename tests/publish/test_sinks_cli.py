"""``playgate sinks test URL`` as an operator runs it: a subprocess sending to a local receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

from playgate.testing.receivers import Answer, Receiver

SRC = Path(__file__).resolve().parents[2] / "src"
SECRET = "SECcliRobotSecret0123"


def playgate(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PLAYGATE_")}
    environ.update(PYTHONPATH=str(SRC), PLAYGATE_LOG_LEVEL="error", **env)
    return subprocess.run(
        [sys.executable, "-m", "playgate.cli", *args], capture_output=True, text=True, env=environ, timeout=60
    )


def robot_url(robot: Receiver) -> str:
    host = robot.url.removeprefix("http://")
    return f"dingtalk+http://{host}/robot/send?access_token=${{CLI_TOKEN}}&secret=${{CLI_SECRET}}"


def test_a_sample_alert_arrives_signed(robot):
    done = playgate("sinks", "test", robot_url(robot), CLI_TOKEN="cli-token", CLI_SECRET=SECRET)
    assert done.returncode == 0, done.stderr
    [got] = robot.requests
    stamp = got.query["timestamp"]
    digest = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    assert got.query["sign"] == base64.b64encode(digest).decode()
    assert "video-height-at-least-720" in got.json()["markdown"]["text"]
    assert "sent playgate.qc.alert" in done.stdout and "${CLI_SECRET}" in done.stdout
    assert SECRET not in done.stdout + done.stderr


def test_a_rejected_signature_exits_1_with_the_reason_and_no_secret(robot):
    robot.ok = Answer(200, {"errcode": 310000, "errmsg": "sign not match"})
    done = playgate("sinks", "test", robot_url(robot), CLI_TOKEN="cli-token", CLI_SECRET=SECRET)
    assert done.returncode == 1
    assert "configuration error" in done.stderr and "310000" in done.stderr
    assert SECRET not in done.stderr and "cli-token" not in done.stderr


def test_a_missing_variable_exits_2(robot):
    done = playgate("sinks", "test", robot_url(robot))
    assert done.returncode == 2
    assert "CLI_TOKEN is not set" in done.stderr
