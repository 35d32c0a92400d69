"""``wecom://`` — a WeCom (企业微信) group robot, markdown messages; the key in the URL is its credential.

``wecom://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}``. WeCom robots are not signed: the
key is the secret, so keep it in an environment variable. Markdown content is at most 4096 bytes. WeCom
answers ``{"errcode": 0}`` when sent; 45009 the robot's limit (20 a minute) was hit (retried later);
93000 the key is invalid (a configuration error).
"""

from __future__ import annotations

from typing import Any

from playgate.errors import SinkRejected
from playgate.publish.http_post import NotNow, Reply, Request
from playgate.publish.robot import RobotSink, errcode, fit_text, json_request

DEFAULT_TARGET = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
MAX_TEXT_BYTES = 4096
TOO_FAST = 45009
BAD_KEY = frozenset({93000, 40001, 40014})


class WeComSink(RobotSink):
    name = "WeCom"
    max_text_bytes = MAX_TEXT_BYTES

    def request(self, title: str, text: str, event: dict[str, Any]) -> Request:
        body = {"msgtype": "markdown", "markdown": {"content": fit_text(text, MAX_TEXT_BYTES)}}
        return json_request(self.target, body)

    def check(self, reply: Reply) -> None:
        code, message = errcode(reply)
        if code == 0:
            return
        if code in BAD_KEY:
            raise self.rejected_signature(code, message)
        if code == TOO_FAST:
            raise NotNow(
                f"sink {self.url}: the WeCom robot is rate limited ({code}: {message})", code=str(code)
            )
        raise SinkRejected(f"sink {self.url}: WeCom refused the message ({code}: {message})", code=str(code))
