"""functions/*/index.py run as FC runs them: initializer once, then the handler with the trigger's bytes.

The environment is the one template.yml sets, with local sinks (JSONL), a local SQLite store and the ICE
emulator over real HTTP on 127.0.0.1 in place of the cloud.
"""

from __future__ import annotations

import json
import re

import pytest
from deploy_files import fun_functions, load_entry_module, load_yaml, s_functions

from playgate.errors import ConfigError
from playgate.testing.sample_events import callback


@pytest.fixture
def deployed_environment(function_env):
    return function_env


def _lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_gate_entry_point_dead_letters_a_malformed_message_and_returns_a_summary(
    deployed_environment, fc_context
):
    index = load_entry_module("functions/qc_gate")
    index.initialize(fc_context)
    summary = json.loads(index.handler(b'{"not": "an ICE event"}', fc_context))
    assert summary["items"] == 1
    assert summary["results"][0]["status"] == "dead_letter"
    assert len(_lines(deployed_environment / "dead-letters.jsonl")) == 1
    assert _lines(deployed_environment / "playback.jsonl") == []


def test_reconcile_entry_point_sweeps_an_empty_account_without_error(deployed_environment, fc_context):
    index = load_entry_module("functions/reconcile")
    index.initialize(fc_context)
    timer_event = b'{"triggerTime":"2024-05-01T00:00:00Z","triggerName":"sweep","payload":"reconcile"}'
    result = json.loads(index.handler(timer_event, fc_context))
    assert "error" not in result, result
    assert result["jobs_seen"] == 0
    assert result["published"] == 0


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("PLAYGATE_ALERT_SINK", "kafka://alerts", "PLAYGATE_ALERT_SINK=kafka://alerts"),
        ("PLAYGATE_DEAD_LETTER_SINK", "mns-queue://dead-letters", "PLAYGATE_MNS_ENDPOINT"),
        ("PLAYGATE_LOG_LEVEL", "chatty", "PLAYGATE_LOG_LEVEL='chatty'"),
        ("PLAYGATE_STORE", "memory://", "PLAYGATE_STORE='memory://'"),
    ],
)
@pytest.mark.parametrize("function", ["functions/qc_gate", "functions/reconcile"])
def test_a_wrong_setting_fails_the_initializer_with_the_variable_named(
    deployed_environment, fc_context, monkeypatch, function, variable, value, named
):
    monkeypatch.setenv(variable, value)
    index = load_entry_module(function)
    with pytest.raises(ConfigError) as raised:
        index.initialize(fc_context)
    assert named in str(raised.value)
    assert _lines(deployed_environment / "dead-letters.jsonl") == []


def _deployed_defaults(source: str, function: str) -> dict[str, str]:
    """The PLAYGATE_* values a deploy with the files' defaults sets: s.yaml's vars, template.yml's
    parameter defaults (a Fn::If on an empty parameter sets nothing); cloud addresses left to the fixture."""
    if source == "s.yaml":
        config = load_yaml("s.yaml")
        environment = s_functions(config)[function]["environmentVariables"]
        fill = lambda text: re.sub(r"\$\{vars\.(\w+)\}", lambda m: config["vars"][m[1]], text)  # noqa: E731
        values = {k: fill(v) for k, v in environment.items() if isinstance(v, str)}
    else:
        template = load_yaml("template.yml")
        environment = fun_functions(template)[function]["EnvironmentVariables"]
        defaults = {name: p.get("Default") for name, p in template["Parameters"].items()}
        values = {k: v["Ref"] for k, v in environment.items() if isinstance(v, dict) and "Ref" in v}
        values = {k: defaults[v] for k, v in values.items() if defaults.get(v) is not None}
        values.update({k: v for k, v in environment.items() if isinstance(v, str)})
    return {k: v for k, v in values.items() if "${" not in v and k not in CLOUD_SETTINGS}


CLOUD_SETTINGS = {"PLAYGATE_STORE", "PLAYGATE_MNS_ENDPOINT", "PLAYGATE_REGION"} | {
    f"PLAYGATE_{sink}_SINK" for sink in ("PLAYBACK", "ALERT", "DEAD_LETTER")
}


@pytest.mark.parametrize("source", ["template.yml", "s.yaml"])
def test_the_gate_runs_with_the_deployment_files_default_settings(
    deployed_environment, fc_context, monkeypatch, source
):
    defaults = _deployed_defaults(source, "qc-gate")
    assert {"PLAYGATE_PROBE", "PLAYGATE_RULES", "PLAYGATE_CONSOLE_URL"} & set(defaults)  # read, not skipped
    for name, value in defaults.items():
        monkeypatch.setenv(name, value)
    index = load_entry_module("functions/qc_gate")
    index.initialize(fc_context)
    event = callback("MediaConvertComplete", f"job-deployed-{source}", "media-ladder-ok")
    summary = json.loads(index.handler(json.dumps(event).encode(), fc_context))
    assert [r["status"] for r in summary["results"]] == ["published"], summary
    assert len(_lines(deployed_environment / "playback.jsonl")) == 1
