"""DingTalk, Lark and WeCom robots against a local HTTP receiver: the documented request, its signature
(verified here from the documentation's recipe, not with playgate's signer), outages, 429, slow answers,
bad secrets and a 200-alert burst."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from urllib.parse import quote_plus

import pytest
from publish_helpers import alert_event, make_settings

from playgate.errors import DeadlineExceeded, SinkRejected, SinkUnavailable
from playgate.publish import open_sink
from playgate.publish.cloudevents import PLAYBACK_READY, make_event
from playgate.testing.receivers import Answer, Receiver

DING_SECRET = "SECdingtalk0123456789abcdef0123456789abcdef0123456789abcdef"
LARK_SECRET = "larkSecret9876543210"
TOKEN = "dingtalkAccessToken0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


@pytest.fixture
def robot_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DT_TOKEN", TOKEN)
    monkeypatch.setenv("DT_SECRET", DING_SECRET)
    monkeypatch.setenv("LARK_SECRET", LARK_SECRET)
    monkeypatch.setenv("WECOM_KEY", "wecom-key-0000-1111")


def dingtalk(receiver: Receiver, extra: str = "") -> str:
    host = receiver.url.removeprefix("http://")
    return f"dingtalk+http://{host}/robot/send?access_token=${{DT_TOKEN}}&secret=${{DT_SECRET}}{extra}"


def open_robot(url: str):
    return open_sink(url, make_settings(region="cn-shanghai"))


def dingtalk_sign_is_valid(query: dict[str, str], secret: str) -> bool:
    """DingTalk's recipe: base64(HmacSHA256(key=secret, "timestamp\\nsecret")), then URL-encoded."""
    timestamp = query["timestamp"]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    fresh = abs(int(timestamp) - time.time() * 1000) < 3_600_000
    return fresh and query["sign"] == expected  # the receiver's parse_qsl already URL-decoded it


def test_dingtalk_sends_a_signed_markdown_message_that_says_what_failed_and_what_to_do(receiver, robot_env):
    sink = open_robot(dingtalk(receiver))
    sink.send(alert_event(failing=2))
    [got] = receiver.requests
    assert got.path == "/robot/send"
    assert got.query["access_token"] == TOKEN
    assert "secret" not in got.query
    assert dingtalk_sign_is_valid(got.query, DING_SECRET)
    body = got.json()
    assert body["msgtype"] == "markdown"
    text = body["markdown"]["text"]
    for needle in ("media-0001", "job-0001", "hls-ladder", "rule-0000", "rule-0001", "video stream 0"):
        assert needle in text
    assert "expected `>= 1080`" in text
    assert "**What to do:**" in text
    assert "https://ims.console.aliyun.com/media/detail?mediaId=media-0001&regionId=cn-shanghai" in text
    assert body["markdown"]["title"]


def test_the_signature_is_url_encoded_in_the_query(receiver, robot_env):
    from playgate.publish.dingtalk import sign

    assert sign(DING_SECRET, 1700000000000) == quote_plus(
        base64.b64encode(
            hmac.new(DING_SECRET.encode(), f"1700000000000\n{DING_SECRET}".encode(), hashlib.sha256).digest()
        )
    )


def test_a_robot_that_rejects_the_signature_is_a_configuration_error_sent_once(receiver, robot_env):
    receiver.ok = Answer(200, {"errcode": 310000, "errmsg": "sign not match"})
    sink = open_robot(dingtalk(receiver))
    with pytest.raises(SinkRejected, match=r"configuration error.*310000.*sign not match") as caught:
        sink.send(alert_event(), timeout_s=5)
    assert len(receiver.requests) == 1
    assert DING_SECRET not in str(caught.value) and TOKEN not in str(caught.value)
    assert "${DT_SECRET}" in str(caught.value)


def test_a_wrong_secret_fails_the_receivers_own_check(receiver, robot_env, monkeypatch):
    monkeypatch.setenv("DT_SECRET", "SECwrong")
    open_robot(dingtalk(receiver)).send(alert_event())
    assert not dingtalk_sign_is_valid(receiver.requests[0].query, DING_SECRET)


def test_429_and_5xx_are_retried_with_backoff_until_accepted(receiver, robot_env):
    receiver.script(Answer(429, {}, {"Retry-After": "0.1"}), Answer(502, {}), Answer(500, {}))
    open_robot(dingtalk(receiver)).send(alert_event(), timeout_s=10)
    assert [r.status for r in receiver.requests] == [429, 502, 500, 200]
    # each attempt is signed anew: attempts are at least 0.1 s apart, so each has its own timestamp (ms)
    assert len({r.query["timestamp"] for r in receiver.requests}) == 4
    assert all(dingtalk_sign_is_valid(r.query, DING_SECRET) for r in receiver.requests)


class FakeTime:
    """The sender's clock, moving only when it sleeps between attempts: the backoff is checked exactly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_an_outage_longer_than_the_time_left_is_retryable_and_bounded(receiver, robot_env, monkeypatch):
    from playgate.publish import http_post

    fake = FakeTime()
    monkeypatch.setattr(http_post, "time", fake)
    receiver.ok = Answer(503, {"message": "down"})
    with pytest.raises((SinkUnavailable, DeadlineExceeded)) as caught:
        open_robot(dingtalk(receiver)).send(alert_event(), timeout_s=1.5)
    assert caught.value.retryable
    assert fake.now <= 1000.0 + 1.5, f"waited {fake.slept}: past the time it was given"
    assert len(receiver.requests) == len(fake.slept) + 1 >= 2  # tried again while there was time


def test_a_slow_answer_is_cut_off_and_tried_again(receiver, robot_env):
    receiver.script(Answer(delay_s=1.5))
    open_robot(dingtalk(receiver, "&timeout=0.5")).send(alert_event(), timeout_s=10)
    assert len(receiver.requests) == 2


def test_a_rate_limited_dingtalk_robot_is_not_hammered(receiver, robot_env):
    receiver.ok = Answer(200, {"errcode": 130101, "errmsg": "send too fast"})
    with pytest.raises(SinkUnavailable, match="rate limited"):
        open_robot(dingtalk(receiver)).send(alert_event(), timeout_s=5)
    assert len(receiver.requests) == 1


def test_a_burst_of_200_alerts_is_20_messages_at_most_with_one_digest(receiver, robot_env):
    sink = open_robot(dingtalk(receiver))
    events = []
    for i in range(200):
        event = alert_event()
        event["id"] = f"alert-{i:03d}"
        event["data"] = {**event["data"], "media_id": f"media-{i:03d}"}
        events.append(event)
        sink.send(event, timeout_s=5)
    assert sink.flush(timeout_s=5) == 181
    assert len(receiver.requests) == 20
    singles = [r.json()["markdown"]["text"] for r in receiver.requests[:19]]
    assert all(f"media-{i:03d}" in text for i, text in enumerate(singles))
    digest = receiver.requests[19].json()["markdown"]
    assert "181 more alerts" in digest["title"]
    assert all(f"media-{i:03d}" in digest["text"] for i in range(19, 200))
    assert sink.flush(timeout_s=5) == 0  # nothing left, and the window is full: nothing more is sent
    assert len(receiver.requests) == 20


def test_a_failed_digest_is_kept_for_the_next_flush(receiver, robot_env):
    sink = open_robot(dingtalk(receiver, "&per_minute=3"))
    for _ in range(4):
        sink.send(alert_event(), timeout_s=5)
    receiver.script(Answer(400, {"errcode": 400, "errmsg": "bad"}))
    with pytest.raises(SinkRejected):
        sink.flush(timeout_s=5)
    assert sink.pending == 2


def lark_sign_is_valid(body: dict, secret: str) -> bool:
    """Lark's recipe: base64(HmacSHA256(key="timestamp\\nsecret", message="")), in the body."""
    key = f"{body['timestamp']}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    return abs(int(body["timestamp"]) - time.time()) < 3600 and body["sign"] == expected


def test_lark_sends_a_signed_interactive_card(receiver, robot_env):
    host = receiver.url.removeprefix("http://")
    sink = open_robot(f"lark+http://{host}/open-apis/bot/v2/hook/hook-id-123?secret=${{LARK_SECRET}}")
    assert "hook-id-123" not in sink.url
    sink.send(alert_event())
    [got] = receiver.requests
    assert got.path == "/open-apis/bot/v2/hook/hook-id-123"
    body = got.json()
    assert lark_sign_is_valid(body, LARK_SECRET)
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["template"] == "red"
    assert "rule-0000" in body["card"]["elements"][0]["content"]


def test_lark_signature_failure_is_a_configuration_error(receiver, robot_env):
    receiver.ok = Answer(200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})
    host = receiver.url.removeprefix("http://")
    with pytest.raises(SinkRejected, match=r"configuration error.*19021"):
        open_robot(f"lark+http://{host}/open-apis/bot/v2/hook/x?secret=${{LARK_SECRET}}").send(alert_event())
    assert len(receiver.requests) == 1


def test_wecom_sends_markdown_with_the_key_in_the_url_and_playback_renditions(receiver, robot_env):
    host = receiver.url.removeprefix("http://")
    sink = open_robot(f"wecom+http://{host}/cgi-bin/webhook/send?key=${{WECOM_KEY}}")
    ready = make_event(
        PLAYBACK_READY,
        source="playgate/qc-gate",
        subject="media-7",
        data={
            "media_id": "media-7",
            "job_id": "job-7",
            "title": "Launch video",
            "renditions": [
                {"definition": "FHD", "format": "m3u8", "width": 1920, "height": 1080, "bitrate_kbps": 5000},
                {"definition": "HD", "format": "m3u8", "width": 1280, "height": 720, "bitrate_kbps": 2800},
            ],
            "qc": {"profile": "default", "outcome": "pass", "warnings": []},
        },
        id_parts=("x",),
    )
    sink.send(ready)
    [got] = receiver.requests
    assert got.query == {"key": "wecom-key-0000-1111"}
    content = got.json()["markdown"]["content"]
    assert "Launch video" in content and "1920×1080" in content and "1280×720" in content
    assert len(content.encode()) <= 4096


def test_wecom_markdown_is_cut_to_4096_bytes(receiver, robot_env):
    host = receiver.url.removeprefix("http://")
    open_robot(f"wecom+http://{host}/send?key=${{WECOM_KEY}}").send(alert_event(failing=200))
    content = receiver.requests[0].json()["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert "primary sink" in content


def test_a_digest_cut_to_wecoms_limit_says_how_many_it_left_out(receiver, robot_env):
    host = receiver.url.removeprefix("http://")
    sink = open_robot(f"wecom+http://{host}/send?key=${{WECOM_KEY}}")
    for i in range(200):
        event = alert_event()
        event["data"] = {**event["data"], "media_id": f"media-{i:03d}"}
        sink.send(event, timeout_s=5)
    assert sink.flush(timeout_s=5) == 181
    content = receiver.requests[-1].json()["markdown"]["content"]
    listed = [i for i in range(19, 200) if f"media-{i:03d}" in content]
    assert listed == list(range(19, 19 + len(listed))) and listed, "the first ones, in order"
    assert len(content.encode()) <= 4096
    assert "181 more alerts" in content
    assert f"… and {181 - len(listed)} more not listed here" in content


def test_a_missing_environment_variable_is_named(receiver):
    with pytest.raises(Exception, match="environment variables DT_TOKEN, DT_SECRET are not set"):
        open_robot(dingtalk(receiver))


def test_literal_secrets_never_show_in_the_sink_name(receiver):
    host = receiver.url.removeprefix("http://")
    sink = open_robot(f"dingtalk+http://{host}/robot/send?access_token=literal-token-123&secret=SEClit123")
    assert "literal-token-123" not in sink.url and "SEClit123" not in sink.url


def test_the_digest_goes_first_when_the_next_window_opens(receiver, robot_env):
    from playgate.publish.robot import RateWindow

    now = [1000.0]
    sink = open_robot(dingtalk(receiver, "&per_minute=3"))
    sink.window = RateWindow(3, clock=lambda: now[0])
    for i in range(5):  # 2 single, 3 digested (the last slot is the digest's)
        event = alert_event()
        event["data"] = {**event["data"], "media_id": f"media-{i}"}
        sink.send(event, timeout_s=5)
    assert len(receiver.requests) == 2 and sink.pending == 3
    now[0] += 61
    sink.send(alert_event(), timeout_s=5)
    digest, single = receiver.requests[2].json(), receiver.requests[3].json()
    assert "3 more alerts" in digest["markdown"]["title"]
    assert "media-0001" in single["markdown"]["text"]


def test_a_digest_that_cannot_be_sent_does_not_hold_back_the_next_alert(receiver, robot_env):
    from playgate.publish.robot import RateWindow

    now = [1000.0]
    sink = open_robot(dingtalk(receiver, "&per_minute=3"))
    sink.window = RateWindow(3, clock=lambda: now[0])
    for _ in range(3):
        sink.send(alert_event(), timeout_s=5)
    now[0] += 61
    receiver.script(Answer(400, {"errcode": 40035, "errmsg": "bad digest"}))
    sink.send(alert_event(), timeout_s=5)  # the digest is refused; the alert itself still goes out
    assert [r.status for r in receiver.requests] == [200, 200, 400, 200]
    assert sink.pending == 1
