"""functions/*/index.py run as FC runs them: initializer once, then the handler with the trigger's bytes.

The environment is the one template.yml sets, with local sinks (JSONL), a local SQLite store and the ICE
emulator over real HTTP on 127.0.0.1 in place of the cloud.
"""

from __future__ import annotations

import json

import pytest
from deploy_files import load_entry_module

from playgate.errors import ConfigError


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
