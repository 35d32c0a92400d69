"""``playgate sinks test URL`` as an operator runs it: a subprocess sending to a local receiver.

The subprocess cannot import ``requests`` (a test dependency only): after a plain ``pip install -e .``
and in the FC layer it is not there, and every HTTP sink must work without it.
"""

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


WITHOUT_REQUESTS = (
    "import runpy, sys; sys.modules['requests'] = None; sys.argv[0] = 'playgate'; "
    "runpy.run_module('playgate.cli', run_name='__main__')"
)


def playgate(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``playgate ARGS`` where ``import requests`` fails as it does without the test extra."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYGATE_", "ALIBABA_CLOUD_"))}
    environ.update(PYTHONPATH=str(SRC), PLAYGATE_LOG_LEVEL="error", **env)
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_REQUESTS, *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def one_line_on_stderr(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


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
    assert "environment variables CLI_TOKEN, CLI_SECRET are not set" in done.stderr


def test_the_blocker_really_keeps_requests_out():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_REQUESTS.replace("runpy.run_module", "import requests; (lambda *a, **k: 0)"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        timeout=60,
    )
    assert "ModuleNotFoundError" in done.stderr and "requests" in done.stderr


def test_every_http_sink_sends_without_requests_installed(robot, hook):
    """The README's own `pip install -e .` has no `requests`: each HTTP scheme still delivers."""
    robot_host = robot.url.removeprefix("http://")
    key = "whsec_" + base64.b64encode(b"k" * 32).decode()
    env = dict(
        CLI_TOKEN="cli-token",
        CLI_SECRET=SECRET,
        HOOK_KEY=key,
        PLAYGATE_REGION="cn-shanghai",
        PLAYGATE_ACCESS_KEY_ID="LTAI5tCliTestKey",
        PLAYGATE_ACCESS_KEY_SECRET="cliTestSecretValue",
    )
    urls = [
        robot_url(robot),
        f"lark+http://{robot_host}/open-apis/bot/v2/hook/hook-id#secret=${{CLI_SECRET}}",
        f"wecom+http://{robot_host}/cgi-bin/webhook/send?key=${{CLI_TOKEN}}",
        f"webhook+http://{hook.url.removeprefix('http://')}/in#secret=${{HOOK_KEY}}",
        f"{hook.url}/plain#secret=${{HOOK_KEY}}",
        f"eventbridge://alerts?endpoint={robot.url}",
    ]
    for url in urls:
        done = playgate("sinks", "test", url, **env)
        assert done.returncode == 0, (url, done.stderr)
    assert len(robot.accepted()) == 4 and len(hook.accepted()) == 2
    assert [r.path for r in robot.accepted()] == [
        "/robot/send",
        "/open-apis/bot/v2/hook/hook-id",
        "/cgi-bin/webhook/send",
        "/openapi/putEvents",
    ]


HTML_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def test_an_html_error_page_is_summed_up_in_one_line(robot):
    robot.ok = Answer(502, HTML_PAGE, {"Content-Type": "text/html"})
    done = playgate("sinks", "test", robot_url(robot) + "#retry_for=0.2", CLI_TOKEN="t", CLI_SECRET=SECRET)
    assert done.returncode == 1
    line = one_line_on_stderr(done)
    assert "HTTP 502" in line and "(an HTML page: 502 Bad Gateway)" in line
    assert "<" not in line and "nginx" not in line


def test_https_to_a_plain_http_receiver_says_so_and_names_the_plain_form(hook):
    key = "whsec_" + base64.b64encode(b"k" * 32).decode()
    url = f"webhook://{hook.url.removeprefix('http://')}/in#secret=${{HOOK_KEY}}"
    done = playgate("sinks", "test", url, HOOK_KEY=key)
    assert done.returncode == 1
    line = one_line_on_stderr(done)
    assert "does not speak HTTPS" in line and "webhook+http://" in line
    assert "SSLError" not in line
    assert len(hook.requests) == 0  # the receiver never saw a request it could read
