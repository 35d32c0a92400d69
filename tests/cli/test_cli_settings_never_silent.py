"""A misspelt setting is never silent: an event type ICE does not send and a template file that is not
there are configuration errors (one line, exit 2); a PLAYGATE_* variable that is no setting is warned
about, with the closest setting's name. ``playgate`` runs as a subprocess; the function through its FC
entry point."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from cli_helpers import one_line_on_stderr, playgate

import playgate.handler as fc
import playgate.settings as settings_module
from playgate.testing.sample_events import callback


def test_a_misspelt_event_type_is_an_error_naming_the_known_ones(local_env, event_file):
    env = {**local_env, "PLAYGATE_CHECKED_EVENT_TYPES": "MediaConvertComplete, TranscodeComplet"}
    done = playgate("run", str(event_file), env=env)
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert "PLAYGATE_CHECKED_EVENT_TYPES=" in line
    assert "unknown event type(s) 'TranscodeComplet' (did you mean 'TranscodeComplete'?)" in line
    assert "ICE's event types are" in line and "ProduceMediaComplete" in line and "SnapshotComplete" in line
    assert not (event_file.parent / "playback.jsonl").exists()  # nothing was skipped silently


def test_an_empty_list_of_event_types_is_an_error_not_a_gate_that_checks_nothing(local_env, event_file):
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_CHECKED_EVENT_TYPES": " , "})
    assert done.returncode == 2
    assert "PLAYGATE_CHECKED_EVENT_TYPES=' , ': names no event type" in one_line_on_stderr(done)


def test_known_event_types_with_spaces_are_accepted(local_env, event_file):
    env = {**local_env, "PLAYGATE_CHECKED_EVENT_TYPES": " MediaConvertComplete , SnapshotComplete"}
    done = playgate("run", str(event_file), env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["results"][0]["status"] == "published"


def test_a_template_file_that_is_not_there_is_an_error_with_no_robot_sink(local_env, event_file, tmp_path):
    missing = tmp_path / "templates.yml"
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_MESSAGE_TEMPLATES": str(missing)})
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert f"PLAYGATE_MESSAGE_TEMPLATES={str(missing)!r}: no such file" in line


def test_a_template_file_that_is_not_valid_is_an_error_with_no_robot_sink(local_env, event_file, tmp_path):
    broken = tmp_path / "templates.yml"
    broken.write_text("qc.alert:\n  title: '{media_idd}'\n")
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_MESSAGE_TEMPLATES": str(broken)})
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert f"PLAYGATE_MESSAGE_TEMPLATES={broken}" in line and "media_idd" in line


def test_unknown_playgate_variables_are_warned_about_with_the_closest_setting(local_env, event_file):
    env = {
        **local_env,
        "PLAYGATE_LOGLEVEL": "debug",
        "PLAYGATE_ALERT_SNK": "stdout:",
        "PLAYGATE_ROBOT_SECRET": "s3cr3t",  # read by a sink URL: known
        "PLAYGATE_ROLE_ARN": "acs:ram::1:role/qc-gate",  # read by s.yaml when deploying: known
    }
    env["PLAYGATE_PLAYBACK_SINK"] += ",stdout:?x=${PLAYGATE_ROBOT_SECRET}"
    done = playgate("rules", "schema", env=env)
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        "playgate: warning: PLAYGATE_ALERT_SNK is not a playgate setting and is ignored; "
        "did you mean PLAYGATE_ALERT_SINK?",
        "playgate: warning: PLAYGATE_LOGLEVEL is not a playgate setting and is ignored; "
        "did you mean PLAYGATE_LOG_LEVEL?",
    ]


def test_the_function_logs_each_unknown_variable_once_at_start(function_env, monkeypatch, capsys):
    monkeypatch.setattr(settings_module, "_warned", False)  # a fresh instance
    monkeypatch.setenv("PLAYGATE_LOG_LEVEL", "warning")
    monkeypatch.setenv("PLAYGATE_DEAD_LETTER_SNK", "stdout:")
    context = SimpleNamespace(request_id="req-1", region="cn-shanghai", credentials=None)
    fc.initialize(context)
    for job in ("job-warn-1", "job-warn-2"):
        fc.handler(json.dumps(callback("RegisterMediaComplete", job, "media-image")).encode(), context)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    warned = [line["problem"] for line in lines if line["event"] == "settings.unknown"]
    assert warned == [
        "PLAYGATE_DEAD_LETTER_SNK is not a playgate setting and is ignored; "
        "did you mean PLAYGATE_DEAD_LETTER_SINK?"
    ]


@pytest.mark.parametrize(
    ("variable", "hint"),
    [
        ("PLAYGATE_PROBE_ALLOW_HOST", "; did you mean PLAYGATE_PROBE_ALLOW_HOSTS?"),
        ("playgate_regoin", "; did you mean PLAYGATE_REGION?"),  # names are read whatever their case
        ("PLAYGATE_XYZZY", ""),
    ],
)
def test_each_unknown_variable_is_named_with_its_closest_setting_if_any(variable, hint):
    environ = {variable: "x", "PLAYGATE_REGION": "cn-shanghai", "HOME": "/root"}
    assert settings_module.unknown_variables(environ) == [
        f"{variable} is not a playgate setting and is ignored{hint}"
    ]
