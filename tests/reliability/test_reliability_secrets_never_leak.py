"""Issue 9, leaks: a secret planted in an event, in any form, shows up in no output.

Hypothesis plants access key ids, OSS signatures, STS tokens, CDN auth keys and MNS ``Authorization``
values in the places an attacker (or an unlucky ICE error) can put them: a failed job's ErrorMessage
(which becomes a ``qc.alert``), a malformed MNS message body (a dead letter) and an unknown field — each
as written, percent-encoded, double percent-encoded and inside base64. The real handler runs with JSONL
sinks and JSON logs; every byte that comes out (alerts, dead letters, logs, the invocation's summary) is
searched for every secret, also after percent-decoding it and decoding every base64 run in it. CDN URL
signing types B and C (the md5 in the path), a URL's user info and API keys, ``sig`` and passwords in a
query are planted too.
"""

from __future__ import annotations

import base64
import json
import re
import string
import uuid
from typing import Any
from urllib.parse import quote, unquote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playgate.handler import RetryLater, handle_payload
from playgate.testing.sample_events import callback, mns_cloudevent

ALNUM = string.ascii_letters + string.digits
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")


def token(prefix: str, size: int, alphabet: str = ALNUM) -> st.SearchStrategy[str]:
    """Random enough that no secret is part of another or of anything else in the output."""
    random = st.text(alphabet, min_size=size, max_size=size).filter(lambda s: len(set(s)) >= 10)
    return random.map(lambda s: prefix + s)


SECRETS = st.fixed_dictionaries(
    {
        "key_id": token("LTAI", 20),
        "signature": token("", 24),
        "sts_token": token("CAIS", 40),
        "auth_key": token("1700000000-0-0-", 32, "0123456789abcdef"),
        "mns_signature": token("", 27).map(lambda s: s + "="),
        "cdn_md5": token("", 32, "0123456789abcdef"),
        "password": token("Pa55", 12),
        "api_key": token("", 24),
    }
)


def signed_oss_url(s: dict[str, str]) -> str:
    return (
        "https://media.oss-cn-shanghai.aliyuncs.com/out/v.mp4?OSSAccessKeyId="
        f"{s['key_id']}&Expires=1714560000&Signature={s['signature']}&security-token={s['sts_token']}"
    )


# what is planted, and which secrets it carries
PLANTS = {
    "signed OSS URL": (signed_oss_url, ("key_id", "signature", "sts_token")),
    "CDN auth_key URL": (
        lambda s: f"https://cdn.example.com/hls/v.m3u8?auth_key={s['auth_key']}",
        ("auth_key",),
    ),
    "MNS Authorization": (
        lambda s: f"Authorization: MNS {s['key_id']}:{s['mns_signature']}",
        ("key_id", "mns_signature"),
    ),
    "CDN type B URL": (
        lambda s: f"https://cdn.example.com/202412031200/{s['cdn_md5']}/hls/v.m3u8",
        ("cdn_md5",),
    ),
    "CDN type C URL": (lambda s: f"https://cdn.example.com/{s['cdn_md5']}/6750a1b2/v.mp4", ("cdn_md5",)),
    "URL user info": (lambda s: f"http://editor:{s['password']}@10.0.0.7/in.mp4", ("password",)),
    "API keys in a query": (
        lambda s: (
            "https://api.example.com/v1?"
            + "&".join(
                f"{name}={s['api_key']}{i}" for i, name in enumerate(("api_key", "apikey", "sig", "password"))
            )
        ),
        ("api_key",),
    ),
}
ENCODINGS = {
    "plain": lambda text: text,
    "percent-encoded": lambda text: quote(text, safe=""),
    "double percent-encoded": lambda text: quote(quote(text, safe=""), safe=""),
    "base64": lambda text: base64.b64encode(text.encode()).decode(),
}


def failed_job_with(text: str, n: str) -> dict[str, Any]:
    return callback("ProduceMediaComplete", f"job-leak-{n}", None, status="Fail", error=("Err", text))


def malformed_mns_body_with(text: str, n: str) -> dict[str, Any]:
    body = json.dumps({"Note": text, "MessageBody": "not an ICE event"})
    return mns_cloudevent(base64.b64encode(body.encode()).decode(), f"leak-{n}")


def cut_short_mns_body_with(text: str, n: str) -> dict[str, Any]:
    """A base64 body cut off mid-group (as a truncated record would be): not a multiple of 4 long."""
    body = json.dumps({"Note": text, "MessageBody": "not an ICE event", "Padding": "p" * 40})
    return mns_cloudevent(base64.b64encode(body.encode()).decode()[:-6] + "Q", f"leak-{n}")


def unknown_field_with(text: str, n: str) -> dict[str, Any]:
    return {"EventType": 42, "Attached": text, "n": n}


CARRIERS = {
    "ErrorMessage": failed_job_with,
    "base64 MNS body": malformed_mns_body_with,
    "cut-short base64 MNS body": cut_short_mns_body_with,
    "unknown field": unknown_field_with,
}


def readable_forms(text: str) -> list[str]:
    """The text, percent-decoded (twice), and every base64 run in any of those decoded."""
    forms = [text, unquote(text), unquote(unquote(text))]
    for form in list(forms):
        for run in _BASE64_RUN.findall(form):
            for cut in range(4):  # a run cut short anywhere: decode its whole 4-character groups
                whole = run[: len(run) - cut]
                if len(whole) % 4:
                    continue
                try:
                    decoded = base64.b64decode(whole).decode("utf-8", "replace")
                except ValueError:
                    continue
                forms += [decoded, unquote(decoded), unquote(unquote(decoded))]
    return forms


def assert_no_secret(outputs: dict[str, str], secrets: dict[str, str], planted: str) -> None:
    for where, text in outputs.items():
        for form in readable_forms(text):
            for name, secret in secrets.items():
                assert secret not in form, f"{name} leaked into {where} (planted as {planted})"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    secrets=SECRETS,
    plant=st.sampled_from(sorted(PLANTS)),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    carrier=st.sampled_from(sorted(CARRIERS)),
)
def test_a_planted_secret_reaches_no_log_alert_dead_letter_or_summary(
    make_world, capfd, secrets, plant, encoding, carrier
):
    world = make_world(log_level="info")
    make_text, carried = PLANTS[plant]
    text = "could not read " + ENCODINGS[encoding](make_text(secrets)) + " (source)"
    payload = CARRIERS[carrier](text, uuid.uuid4().hex)  # a new event every time: never a duplicate
    capfd.readouterr()
    try:
        summary = handle_payload(payload, runtime=world.runtime)
    except RetryLater as error:
        summary = error.summary
    logs = capfd.readouterr()
    [result] = summary["results"]
    assert result["status"] in ("published", "dead_letter"), result
    outputs = {
        "summary": json.dumps(summary),
        "logs": logs.out + logs.err,
        **{
            f"{sink} sink": _read(world.folder / f"{sink}.jsonl")
            for sink in ("alerts", "dead-letters", "playback")
        },
    }
    planted = {name: secrets[name] for name in carried}
    assert_no_secret(outputs, planted, f"{plant}, {encoding}, in the {carrier}")
    world.runtime.close()


def _read(path: Any) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""
