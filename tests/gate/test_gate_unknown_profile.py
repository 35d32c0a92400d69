"""A job whose UserData names a profile that does not exist: the message and the log say so."""

from __future__ import annotations

import json

from playgate.testing.sample_events import callback


def _log_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_a_misspelt_profile_is_used_as_default_and_said_in_the_message_and_the_log(make_world, capsys):
    world = make_world(log_level="warning")
    event = callback(
        "MediaConvertComplete", "job-premum-1", "media-ladder-ok", user_data={"qcProfile": "premum"}
    )
    world.send(json.dumps(event))
    (ready,) = world.messages("playback")
    qc = ready["data"]["qc"]
    assert qc["profile"] == "default"
    (warning,) = [w for w in qc["warnings"] if w["rule"] == "profile-unknown"]
    assert warning["actual"] == "premum" and "default, hls-ladder" in warning["expected"]
    (logged,) = [line for line in _log_lines(capsys.readouterr().out) if line["event"] == "profile.unknown"]
    assert logged["asked"] == "premum" and logged["used"] == "default"
    assert logged["known"] == ["default", "hls-ladder"]


def test_a_rule_file_that_makes_it_an_error_alerts(make_world, tmp_path):
    rules = tmp_path / "strict.yml"
    rules.write_text("version: 1\nunknown_profile: error\nprofiles:\n  premium:\n    extends: hls-ladder\n")
    world = make_world(rules=str(rules))
    event = callback(
        "MediaConvertComplete", "job-premum-2", "media-ladder-ok", user_data={"qcProfile": "premum"}
    )
    world.send(json.dumps(event))
    assert world.messages("playback") == []
    (alert,) = world.messages("alerts")
    assert alert["data"]["reason"] == "qc_failed"
    (finding,) = [f for f in alert["data"]["findings"] if f["rule"] == "profile-unknown"]
    assert finding["actual"] == "premum" and "premium" in finding["expected"]
