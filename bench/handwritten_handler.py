"""The yardstick: an FC handler as one would write it by hand with the official ICE SDK.

The SDK used the usual way (the generated ``Client``, ``GetMediaInfo`` then ``GetPlayInfo``), two checks
(the media is Normal; at least one playable rendition), one JSON line out. No idempotency, no rules, no
retries of its own, no dead letters: what playgate must not cost more CPU than (``bench/compare.py``).

Configured like playgate: ``PLAYGATE_ICE_ENDPOINT`` (http://host:port), ``PLAYGATE_ACCESS_KEY_ID`` /
``PLAYGATE_ACCESS_KEY_SECRET``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from alibabacloud_ice20201109 import models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi.models import Config

_client: Client | None = None


def initialize(context: Any) -> None:
    global _client
    protocol, _, endpoint = os.environ["PLAYGATE_ICE_ENDPOINT"].rpartition("://")
    _client = Client(
        Config(
            access_key_id=os.environ["PLAYGATE_ACCESS_KEY_ID"],
            access_key_secret=os.environ["PLAYGATE_ACCESS_KEY_SECRET"],
            endpoint=endpoint,
            protocol=protocol or "https",
            region_id=os.environ.get("PLAYGATE_REGION", "cn-shanghai"),
        )
    )


def handler(event: bytes, context: Any) -> str:
    body = json.loads(event)["MessageBody"]
    media_id = body["MediaId"]
    info = _client.get_media_info(models.GetMediaInfoRequest(media_id=media_id, output_type="oss")).body
    play = _client.get_play_info(models.GetPlayInfoRequest(media_id=media_id, auth_timeout=3600)).body
    normal = info.media_info.media_basic_info.status == "Normal"
    playable = [p for p in play.play_info_list or [] if p.status == "Normal" and p.play_url]
    ok = normal and bool(playable)
    line = {
        "type": "playback.ready" if ok else "qc.alert",
        "media_id": media_id,
        "job_id": body.get("JobId"),
        "urls": [p.play_url for p in playable],
    }
    sys.stdout.write(json.dumps(line) + "\n")
    return "ok" if ok else "alert"
