"""The README's "Where messages go" examples, as written: every sink setting parses and opens, and every
`playgate sinks test` command delivers to a local receiver standing at the address it names."""

from __future__ import annotations

import base64
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from publish_helpers import make_settings

from playgate.publish import open_sink
from playgate.publish.routes import parse_routes

ROOT = Path(__file__).resolve().parents[2]
SECTION = (
    (ROOT / "README.md").read_text(encoding="utf-8").split("## Where messages go", 1)[1].split("\n## ")[0]
)
SETTINGS = re.findall(r"^(PLAYGATE_[A-Z_]+_SINK)='(.+)'$", SECTION, flags=re.M)
COMMANDS = re.findall(r"^playgate sinks test .+$", SECTION, flags=re.M)
ENV = {
    "DINGTALK_TOKEN": "readme-token",
    "DINGTALK_SECRET": "SECreadmeSecret",
    "LARK_HOOK": "readme-hook",
    "LARK_SECRET": "readmeLarkSecret",
    "WECOM_KEY": "readme-key",
    "WEBHOOK_SECRET": "whsec_" + base64.b64encode(b"readme-example-webhook-key-32by!").decode(),
}


def test_the_section_has_the_examples_this_test_runs():
    assert len(SETTINGS) >= 7
    for form in ("dingtalk+http://", "webhook+http://", "endpoint=http://"):
        assert any(form in command for command in COMMANDS), form


@pytest.mark.parametrize(("setting", "value"), SETTINGS)
def test_every_sink_setting_in_the_readme_opens(setting, value, monkeypatch):
    for name, secret in ENV.items():
        monkeypatch.setenv(name, secret)
    settings = make_settings(
        region="cn-shanghai",
        mns_endpoint="http://127.0.0.1:9",
        access_key_id="LTAI5tReadmeKey",
        access_key_secret="readmeSecret",
    )
    for route in parse_routes(setting, value):
        open_sink(route.url, settings).close()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_sinks_test_command_in_the_readme_delivers(command, robot):
    args = shlex.split(command.replace("127.0.0.1:8080", robot.url.removeprefix("http://")))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYGATE_", "ALIBABA_CLOUD_"))}
    env.update(
        ENV,
        PYTHONPATH=str(ROOT / "src"),
        PLAYGATE_LOG_LEVEL="error",
        PLAYGATE_REGION="cn-shanghai",
        PLAYGATE_ACCESS_KEY_ID="LTAI5tReadmeKey",
        PLAYGATE_ACCESS_KEY_SECRET="readmeSecret",
    )
    done = subprocess.run(
        [sys.executable, "-m", "playgate.cli", *args[1:]], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert len(robot.accepted()) == 1
