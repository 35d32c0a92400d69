"""A configuration problem never shows a traceback: one line on stderr (what, where, how to fix), exit 2;
a run that failed says so in one line and exits 1. Each case runs ``playgate`` as a subprocess."""

from __future__ import annotations

import json

import pytest
from cli_helpers import free_port, one_line_on_stderr, playgate


def test_no_ice_region(local_env, event_file):
    env = {k: v for k, v in local_env.items() if k not in {"PLAYGATE_REGION", "PLAYGATE_ICE_ENDPOINT"}}
    done = playgate("run", str(event_file), env=env)
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert line.startswith("playgate run: No ICE region: set PLAYGATE_REGION")


def test_a_store_url_playgate_does_not_know(local_env, event_file):
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_STORE": "bogus://x"})
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert "PLAYGATE_STORE='bogus://x' is not a store URL" in line and "sqlite:///" in line


def test_a_timeout_that_is_not_a_number(local_env, event_file):
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_ICE_TIMEOUT_S": "abc"})
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert "PLAYGATE_ICE_TIMEOUT_S='abc'" in line and "valid number" in line


def test_an_invalid_rule_file(local_env, event_file, tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "version: 1\nprofiles:\n  default:\n    rules:\n      - {id: x, check: media.nope, eq: 1}\n"
    )
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_RULES": str(rules)})
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert f"rule file {rules}" in line and f"{rules}:5: [unknown_path]" in line
    assert f"playgate rules lint {rules}" in line


def test_reconcile_with_ice_unreachable_says_connection_refused_and_that_nothing_retries(local_env):
    env = {
        **local_env,
        "PLAYGATE_ICE_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "PLAYGATE_ICE_DEADLINE_S": "2",
    }
    done = playgate("reconcile", "--since", "1h", env=env)
    assert done.returncode == 1
    line = one_line_on_stderr(done)
    assert line.startswith("playgate reconcile: ICE ListMediaInfoJobs at http://127.0.0.1:")
    assert "connection refused" in line and "Timeout" not in line
    assert "delivered again" not in line and "run the command again" in line


def test_demo_out_in_a_folder_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = playgate("demo", "--out", str(blocker / "demo"))
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert line.startswith(f"playgate demo: --out {blocker / 'demo'} cannot be written")
    assert "--out ./playgate-demo" in line


# --- validated once, at startup --------------------------------------------------------------------
def test_an_unknown_log_level_is_an_error_not_info(local_env, event_file):
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_LOG_LEVEL": "verbose"})
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert "PLAYGATE_LOG_LEVEL='verbose'" in line and "debug, info, warning, error" in line


def test_a_bad_sink_url_fails_before_any_event_is_handled(local_env, event_file, tmp_path):
    done = playgate("run", str(event_file), env={**local_env, "PLAYGATE_ALERT_SINK": "kafka://alerts"})
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert "PLAYGATE_ALERT_SINK=kafka://alerts" in line and "mns-topic://NAME" in line
    assert not (tmp_path / "playback.jsonl").exists() or not (tmp_path / "playback.jsonl").read_text()
    assert not (tmp_path / "dead-letters.jsonl").exists() or not (tmp_path / "dead-letters.jsonl").read_text()


def test_a_secret_that_fails_validation_is_never_echoed(local_env, event_file):
    env = {**local_env, "PLAYGATE_CALLBACK_AUTH_KEY": "s3cr3t-auth-key"}  # without PLAYGATE_CALLBACK_URL
    done = playgate("run", str(event_file), env=env)
    assert done.returncode == 2
    line = one_line_on_stderr(done)
    assert "PLAYGATE_CALLBACK_URL" in line and "s3cr3t-auth-key" not in done.stderr + done.stdout


# --- a run that did not handle everything ----------------------------------------------------------
def test_run_on_a_payload_that_is_not_an_ice_event_says_where_the_dead_letter_went(local_env, tmp_path):
    payload = tmp_path / "not-ice.json"
    payload.write_text('{"hello": "world"}')
    done = playgate("run", str(payload), env=local_env)
    assert done.returncode == 1
    line = one_line_on_stderr(done)
    dead_letters = tmp_path / "dead-letters.jsonl"
    assert f"dead letter sent to jsonl://{dead_letters}" in line
    assert f"playgate dead-letters list {dead_letters}" in line
    (record,) = [json.loads(x) for x in dead_letters.read_text().splitlines()]
    assert record["data"]["reason"] == "malformed_event"
    assert json.loads(done.stdout)["results"][0]["status"] == "dead_letter"


def test_run_on_an_ice_event_exits_0_and_says_nothing_on_stderr(local_env, event_file, tmp_path):
    done = playgate("run", str(event_file), env=local_env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout)["results"][0]["message_type"] == "playgate.playback.ready"


@pytest.mark.parametrize("command", [["reconcile", "--dry-run"], ["dead-letters", "replay", "{dl}"]])
def test_every_command_that_reads_the_settings_validates_them_first(local_env, tmp_path, command):
    dead_letters = tmp_path / "given.jsonl"
    dead_letters.write_text("")
    argv = [part.replace("{dl}", str(dead_letters)) for part in command]
    done = playgate(*argv, env={**local_env, "PLAYGATE_LOG_LEVEL": "loud"})
    assert done.returncode == 2
    assert "PLAYGATE_LOG_LEVEL='loud'" in one_line_on_stderr(done)


def test_run_with_a_sink_that_is_down_says_nothing_redelivers_it(local_env, event_file):
    env = {
        **local_env,
        "PLAYGATE_PLAYBACK_SINK": "mns-queue://playback",
        "PLAYGATE_MNS_ENDPOINT": f"http://127.0.0.1:{free_port()}",
    }
    done = playgate("run", str(event_file), env=env)
    assert done.returncode == 1
    line = one_line_on_stderr(done)
    assert "item 1 failed and was not handled" in line and "run the command again" in line
    assert "will be retried" not in line and "delivered again" not in line


def test_reconcile_with_a_sink_down_exits_1_and_says_to_run_again(local_env):
    env = {
        **local_env,
        "PLAYGATE_PLAYBACK_SINK": "mns-queue://playback",
        "PLAYGATE_MNS_ENDPOINT": f"http://127.0.0.1:{free_port()}",
    }
    done = playgate("reconcile", "--from", "2024-05-01T00:00:00Z", "--to", "2024-05-02T00:00:00Z", env=env)
    assert done.returncode == 1
    line = one_line_on_stderr(done)
    assert "job(s) failed and were not gated" in line and "run the command again" in line
    assert json.loads(done.stdout)["retry_later"] > 0
