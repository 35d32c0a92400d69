from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from publish_helpers import make_settings

from playgate.errors import ConfigError
from playgate.publish import Publisher, open_sink
from playgate.publish.cloudevents import DEAD_LETTER, PLAYBACK_READY, QC_ALERT, QC_PASSED, make_event
from playgate.publish.dead_letter import make_dead_letter, original_payload
from playgate.testing.mns_server import MnsServer


def _event(kind: str, n: int = 0) -> dict[str, Any]:
    return make_event(
        kind, source="playgate/t", subject="m", data={"media_id": "m", "n": n}, id_parts=(kind, str(n))
    )


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_each_type_goes_to_its_sink_and_the_url_is_returned(tmp_path: Path) -> None:
    settings = make_settings(
        playback_sink=f"jsonl://{tmp_path}/playback.jsonl",
        alert_sink=f"jsonl://{tmp_path}/alerts.jsonl",
        dead_letter_sink=f"jsonl://{tmp_path}/dead.jsonl",
    )
    with Publisher(settings) as publisher:
        assert publisher.publish(_event(PLAYBACK_READY)) == f"jsonl://{tmp_path}/playback.jsonl"
        assert publisher.publish(_event(QC_PASSED)) == f"jsonl://{tmp_path}/playback.jsonl"
        assert publisher.publish(_event(QC_ALERT)) == f"jsonl://{tmp_path}/alerts.jsonl"
        assert publisher.dead_letter("malformed_event", None, b"not json") == f"jsonl://{tmp_path}/dead.jsonl"
    assert [e["type"] for e in _lines(tmp_path / "playback.jsonl")] == [PLAYBACK_READY, QC_PASSED]
    assert [e["type"] for e in _lines(tmp_path / "alerts.jsonl")] == [QC_ALERT]
    assert [e["type"] for e in _lines(tmp_path / "dead.jsonl")] == [DEAD_LETTER]


def test_sinks_open_lazily_once_and_are_shared_by_url(tmp_path: Path) -> None:
    opened: list[str] = []

    def opener(url: str, settings: Any, context: Any = None, **kwargs: Any) -> Any:
        opened.append(url)
        return open_sink(url, settings, context, **kwargs)

    same = f"jsonl://{tmp_path}/all.jsonl"
    settings = make_settings(playback_sink=same, alert_sink=same, dead_letter_sink="kafka://not-used-yet")
    publisher = Publisher(settings, opener=opener)
    assert opened == []
    for n in range(3):
        publisher.publish(_event(PLAYBACK_READY, n))
        publisher.publish(_event(QC_ALERT, n))
    publisher.close()
    assert opened == [same]
    assert len(_lines(tmp_path / "all.jsonl")) == 6


def test_a_bad_sink_url_names_its_setting() -> None:
    publisher = Publisher(make_settings(alert_sink="kafka://alerts"))
    with pytest.raises(ConfigError) as caught:
        publisher.publish(_event(QC_ALERT))
    assert str(caught.value).startswith("PLAYGATE_ALERT_SINK=kafka://alerts: unknown sink URL")


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"no route for event type 'playgate\.other'"):
        Publisher(make_settings()).publish(_event("playgate.other"))


@pytest.mark.usefixtures("no_cloud_env")
def test_routing_to_mns_uses_the_current_fc_context(mns: MnsServer) -> None:
    settings = make_settings(
        mns_endpoint=mns.endpoint, playback_sink="mns-topic://playback-topic", alert_sink="mns-queue://alerts"
    )

    def context(key_id: str) -> SimpleNamespace:
        creds = SimpleNamespace(
            access_key_id=key_id, access_key_secret="s3cr3t-value", security_token="tok-123456"
        )
        return SimpleNamespace(credentials=creds)

    publisher = Publisher(settings, context=context("LTAIfirstInvocation01"))
    assert publisher.publish(_event(PLAYBACK_READY)) == "mns-topic://playback-topic"
    publisher.context = context("LTAIsecondInvocation2")  # FC rotated the role's STS credentials
    assert publisher.publish(_event(QC_ALERT)) == "mns-queue://alerts"
    publisher.close()
    assert mns.received("playback-topic")[0].headers["authorization"].startswith("MNS LTAIfirstInvocation01:")
    assert mns.received("alerts")[0].headers["authorization"].startswith("MNS LTAIsecondInvocation2:")
    assert json.loads(mns.messages("alerts")[0])["type"] == QC_ALERT


def test_a_dead_letter_carries_reason_error_and_the_redacted_payload() -> None:
    payload = b'{"EventType": "X", "FileUrl": "https://b.example.com/a.mp4?Expires=1&Signature=SECRETSIG"}'
    event = make_dead_letter(
        "malformed_event",
        {"code": "NoJobId", "message": "the event has no JobId"},
        payload,
        source="playgate/qc-gate",
        delivery_id="msg-42",
    )
    data = event["data"]
    assert event["type"] == DEAD_LETTER and event["subject"] == "msg-42"
    assert data["reason"] == "malformed_event" and data["delivery_id"] == "msg-42"
    assert data["error"] == {"code": "NoJobId", "message": "the event has no JobId"}
    assert "SECRETSIG" not in data["payload"] and "Signature=***" in data["payload"]
    assert data["payload_format"] == "text" and data["payload_bytes"] == len(payload)


def test_dead_letter_ids_follow_the_payload_and_reason() -> None:
    def dl(reason: str, payload: Any, delivery: str) -> str:
        return make_dead_letter(reason, None, payload, source="s", delivery_id=delivery)["id"]

    assert dl("malformed_event", b"abc", "d1") == dl("malformed_event", b"abc", "d2")
    assert dl("malformed_event", b"abc", "d1") == dl("malformed_event", "abc", "d1")
    assert dl("malformed_event", b"abc", "d1") != dl("malformed_event", b"abd", "d1")
    assert dl("malformed_event", b"abc", "d1") != dl("media_not_found", b"abc", "d1")
    assert dl("x", {"b": 1, "a": 2}, "d") == dl("x", {"a": 2, "b": 1}, "d")


@pytest.mark.parametrize(
    ("payload", "fmt"),
    [
        (b"\xff\xfe binary \x00", "base64"),
        ("plain text", "text"),
        ({"EventType": "A", "UserId": 2**60 + 1}, "json"),
    ],
)
def test_a_dead_letter_payload_comes_back_for_replay(payload: Any, fmt: str) -> None:
    event = make_dead_letter("r", None, payload, source="s")
    assert event["data"]["payload_format"] == fmt
    assert original_payload(json.loads(json.dumps(event))) == payload
