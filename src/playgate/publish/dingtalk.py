"""``dingtalk://`` — a DingTalk group's custom robot, markdown messages, signed when it has a secret.

``dingtalk://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}&secret=${DINGTALK_SECRET}``
(the robot's webhook URL with ``dingtalk`` for ``https``; ``dingtalk://?access_token=…`` works too).
Signing ("加签"): ``timestamp`` (ms) and ``sign`` = URL-encoded base64 HMAC-SHA256, keyed with the
secret, of ``"{timestamp}\\n{secret}"``, both in the query. DingTalk answers HTTP 200 with ``errcode``:
0 sent, 310000 the security check failed (signature, keyword or IP: a configuration error), 130101 the
robot sends too fast (it is blocked for minutes: retried later, not now).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

from playgate.errors import SinkRejected
from playgate.publish.http_post import NotNow, Reply, Request
from playgate.publish.robot import RobotSink, errcode, fit_text, json_request

DEFAULT_TARGET = "https://oapi.dingtalk.com/robot/send"
MAX_TEXT_BYTES = 18000  # DingTalk documents no exact limit; long markdown is refused around 20 KB
SECURITY_FAILED = 310000
TOO_FAST = frozenset({130101, 130102})


def sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query value (already URL-encoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class DingTalkSink(RobotSink):
    name = "DingTalk"
    max_text_bytes = MAX_TEXT_BYTES

    def request(self, title: str, text: str, event: dict[str, Any]) -> Request:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": fit_text(text, MAX_TEXT_BYTES)}}
        url = self.target
        if self.secret:
            now = int(time.time() * 1000)
            url += f"{'&' if '?' in url else '?'}timestamp={now}&sign={sign(self.secret, now)}"
        return json_request(url, body)

    def check(self, reply: Reply) -> None:
        code, message = errcode(reply)
        if code == 0:
            return
        if code == SECURITY_FAILED:
            raise self.rejected_signature(code, message)
        if code in TOO_FAST:
            raise NotNow(
                f"sink {self.url}: the DingTalk robot is rate limited ({code}: {message})", code=str(code)
            )
        raise SinkRejected(
            f"sink {self.url}: DingTalk refused the message ({code}: {message})", code=str(code)
        )
