"""A sink URL taken apart as written: ``${VAR}`` values are literal whatever they hold, playgate's options
follow ``#`` so the receiver's query reaches it whole, and the old spelling still works."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random

import pytest
import structlog
from publish_helpers import alert_event, make_settings
from standardwebhooks.webhooks import Webhook

from playgate import log
from playgate.errors import ConfigError
from playgate.publish import Publisher, open_sink
from playgate.testing.receivers import Receiver

# The README's command, `'whsec_' + base64.b64encode(os.urandom(32)).decode()`, from a seeded source
README_KEYS = ["whsec_" + base64.b64encode(random.Random(seed).randbytes(32)).decode() for seed in range(40)]
AWKWARD = "a+b/c=d&e#f%25g%h i?j"  # every character a URL gives a meaning to


def host(receiver: Receiver) -> str:
    return receiver.url.removeprefix("http://")


def test_the_readme_keys_cover_the_characters_that_broke_them():
    assert any("+" in key for key in README_KEYS) and any("/" in key for key in README_KEYS)
    assert any(key.endswith("=") for key in README_KEYS)


@pytest.mark.parametrize("spelling", ["#secret=${HOOK_KEY}", "?secret=${HOOK_KEY}"])
def test_every_key_made_with_the_readmes_command_signs_what_the_receiver_verifies(
    hook, monkeypatch, spelling
):
    for key in README_KEYS:
        monkeypatch.setenv("HOOK_KEY", key)
        sink = open_sink(f"webhook+http://{host(hook)}/in{spelling}", make_settings())
        event = alert_event()
        sink.send(event, timeout_s=5)
        sink.close()
        assert Webhook(key).verify(hook.requests[-1].body, hook.requests[-1].headers) == event
    assert len(hook.accepted()) == len(README_KEYS)


def test_a_token_and_a_secret_with_url_characters_arrive_as_they_are(robot, monkeypatch):
    monkeypatch.setenv("DT_TOKEN", AWKWARD)
    monkeypatch.setenv("DT_SECRET", "SEC" + AWKWARD)
    url = f"dingtalk+http://{host(robot)}/robot/send?access_token=${{DT_TOKEN}}&x=1#secret=${{DT_SECRET}}"
    open_sink(url, make_settings()).send(alert_event(), timeout_s=5)
    [got] = robot.requests
    assert got.query["access_token"] == AWKWARD and got.query["x"] == "1"
    secret = "SEC" + AWKWARD
    digest = hmac.new(secret.encode(), f"{got.query['timestamp']}\n{secret}".encode(), hashlib.sha256)
    assert got.query["sign"] == base64.b64encode(digest.digest()).decode()


def test_a_variable_in_the_path_is_one_path_segment(robot, monkeypatch):
    monkeypatch.setenv("LARK_HOOK", "id?with#odd%chars")
    open_sink(f"lark+http://{host(robot)}/hook/${{LARK_HOOK}}", make_settings()).send(alert_event())
    assert robot.requests[0].path == "/hook/id%3Fwith%23odd%25chars"


def test_the_receivers_parameters_named_like_playgates_options_reach_it(hook, monkeypatch, tmp_path):
    monkeypatch.setenv("HOOK_KEY", README_KEYS[0])
    theirs = "secret=theirs&timeout=30&retry_for=2&severity=high&profile=p&best_effort=no&per_minute=1"
    sinks = f"jsonl://{tmp_path}/a.jsonl,{hook.url}/in?{theirs}#secret=${{HOOK_KEY}}&best_effort=true"
    publisher = Publisher(make_settings(alert_sink=sinks))
    event = alert_event()
    publisher.publish(event)
    [got] = hook.requests
    assert got.query == dict(pair.split("=") for pair in theirs.split("&"))
    assert Webhook(README_KEYS[0]).verify(got.body, got.headers) == event
    [route] = [r for r in publisher.routes_for(event["type"]) if r.url.startswith("http")]
    assert route.best_effort


def test_an_unknown_option_after_the_hash_is_refused_naming_the_accepted_ones(robot):
    with pytest.raises(
        ConfigError, match=r"unknown option 'secrett'; accepted: per_minute, retry_for, secret"
    ):
        open_sink(
            f"dingtalk+http://{host(robot)}/robot/send?access_token=tok-0001#secrett=x", make_settings()
        )


@pytest.fixture
def captured_log(capsys):
    log.configure(json=True, level="info")
    yield capsys
    structlog.reset_defaults()
    log._configured = False


def test_the_old_spelling_still_sends_and_says_the_new_one_once(robot, monkeypatch, captured_log):
    monkeypatch.setenv("DT_SECRET", "SECold")
    url = f"dingtalk+http://{host(robot)}/robot/send?access_token=tok-0001&secret=${{DT_SECRET}}&timeout=3"
    for _ in range(2):
        open_sink(url, make_settings()).send(alert_event(), timeout_s=5)
    assert all(
        "secret" not in r.query and "timeout" not in r.query and "sign" in r.query for r in robot.requests
    )
    warnings = [
        line for line in captured_log.readouterr().out.splitlines() if "sink.options_in_query" in line
    ]
    assert len(warnings) == 1
    assert "after '#'" in warnings[0] and '"options": ["secret", "timeout"]' in warnings[0]
    assert "SECold" not in warnings[0]


def test_a_literal_secret_after_the_hash_is_hidden_in_the_sinks_name(robot):
    sink = open_sink(
        f"dingtalk+http://{host(robot)}/robot/send?access_token=tok-0001#secret=SEClit", make_settings()
    )
    assert sink.url.endswith("#secret=***") and "SEClit" not in sink.url
