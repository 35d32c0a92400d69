"""``lark://`` — a Lark (Feishu) group's custom bot, an interactive card, signed when it has a secret.

``lark://open.feishu.cn/open-apis/bot/v2/hook/${LARK_HOOK}?secret=${LARK_SECRET}`` (Lark outside China:
``open.larksuite.com``). Signing ("签名校验"): ``timestamp`` (seconds) and ``sign`` in the JSON body,
``sign`` = base64 HMAC-SHA256 keyed with ``"{timestamp}\\n{secret}"`` over an empty message. Lark answers
``{"code": 0}`` when sent; 19021 the signature failed, 19022 the IP, 19024 the keyword (configuration
errors); 11232 and 9499 rate limits (retried with backoff).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from playgate.errors import SinkRejected, SinkUnavailable
from playgate.log import redact_text
from playgate.publish.http_post import Reply, Request
from playgate.publish.robot import RobotSink, fit_text, json_request

DEFAULT_TARGET = "https://open.feishu.cn/open-apis/bot/v2/hook/"
MAX_TEXT_BYTES = 20000  # a card's request body may be 30 KB
SECURITY_FAILED = frozenset({19021, 19022, 19024})
TOO_FAST = frozenset({11232, 9499})


def sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class LarkSink(RobotSink):
    name = "Lark"
    max_text_bytes = MAX_TEXT_BYTES
    default_per_minute = 100  # Lark: 100 a minute, 5 a second per bot

    def request(self, title: str, text: str, event: dict[str, Any]) -> Request:
        colour = "red" if event.get("type") == "playgate.qc.alert" else "green"
        body: dict[str, Any] = {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": title}, "template": colour},
                "elements": [{"tag": "markdown", "content": fit_text(text, MAX_TEXT_BYTES)}],
            },
        }
        if self.secret:
            now = int(time.time())
            body = {"timestamp": str(now), "sign": sign(self.secret, now), **body}
        return json_request(self.target, body)

    def check(self, reply: Reply) -> None:
        answer = reply.json() or {}
        if not isinstance(answer, dict):
            return
        code = answer.get("code", answer.get("StatusCode", 0))
        message = redact_text(str(answer.get("msg", answer.get("StatusMessage", ""))))
        if code == 0:
            return
        if code in SECURITY_FAILED:
            raise self.rejected_signature(code, message)
        if code in TOO_FAST:
            raise SinkUnavailable(
                f"sink {self.url}: the Lark bot is rate limited ({code}: {message})", code=str(code)
            )
        raise SinkRejected(f"sink {self.url}: Lark refused the message ({code}: {message})", code=str(code))
