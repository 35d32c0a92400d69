"""ICE HTTP callback authentication: X-ICE-TIMESTAMP and X-ICE-SIGNATURE (MD5 of URL, time and key)."""

from __future__ import annotations

import hashlib

import pytest

from playgate.events import sign_http_callback, verify_http_callback, verify_http_trigger

URL = "https://qc-gate.example.com/ice/callback"
KEY = "PlaygateTest123"
NOW = 1716183000


def test_documentation_example_is_the_pipe_form():
    # ICE docs: md5sum(https://www.example.com/your/callback|1519375990|Test123)
    #   = c72b60894140fa98920f1279219b**** — which only reproduces with the key written "test123".
    signature = sign_http_callback("https://www.example.com/your/callback", 1519375990, "test123")
    assert signature.startswith("c72b60894140fa98920f1279219b")
    assert verify_http_callback(
        "https://www.example.com/your/callback", "1519375990", signature, "test123", now=1519375990
    )


def test_pipe_separated_signature_is_accepted():
    signature = hashlib.md5(f"{URL}|{NOW}|{KEY}".encode()).hexdigest()
    assert verify_http_callback(URL, str(NOW), signature, KEY, now=NOW)


def test_bare_concatenation_signature_is_refused():
    # no source shows ICE signing without the pipes; accepting it would let one signature cross URLs:
    # md5("https://a.example/cb" + "1" + "716183000" + key) is also md5("https://a.example/cb1" + …)
    signature = hashlib.md5(f"{URL}{NOW}{KEY}".encode()).hexdigest()
    assert not verify_http_callback(URL, NOW, signature, KEY, now=NOW)


def test_uppercase_hex_is_accepted():
    assert verify_http_callback(URL, NOW, sign_http_callback(URL, NOW, KEY).upper(), KEY, now=NOW)


@pytest.mark.parametrize(
    "change",
    [
        {"auth_key": "OtherKey123"},
        {"url": URL + "/"},
        {"timestamp": str(NOW + 1)},
        {"signature": "0" * 32},
        {"signature": "not-a-signature"},
        {"signature": None},
        {"signature": sign_http_callback(URL, NOW, KEY)[:31]},
        {"timestamp": None},
        {"timestamp": "12.5"},
        {"timestamp": True},
        {"auth_key": ""},
    ],
)
def test_anything_changed_is_rejected(change):
    args = {
        "url": URL,
        "timestamp": str(NOW),
        "signature": sign_http_callback(URL, NOW, KEY),
        "auth_key": KEY,
    }
    args.update(change)
    assert verify_http_callback(**args, now=NOW) is False


@pytest.mark.parametrize(
    ("skew", "accepted"), [(-5, True), (300, True), (-6, False), (-300, False), (301, False)]
)
def test_timestamps_older_than_the_skew_or_more_than_seconds_ahead_are_rejected(skew, accepted):
    # skew = now - timestamp: a timestamp from the future is clock drift for a few seconds at most
    signature = sign_http_callback(URL, NOW, KEY)
    assert verify_http_callback(URL, NOW, signature, KEY, now=NOW + skew) is accepted


def test_max_skew_is_configurable():
    signature = sign_http_callback(URL, NOW, KEY)
    assert verify_http_callback(URL, NOW, signature, KEY, now=NOW + 3600, max_skew_s=3600)
    assert not verify_http_callback(URL, NOW, signature, KEY, now=NOW - 60, max_skew_s=3600)
    assert not verify_http_callback(URL, NOW, signature, KEY, now=NOW + 61, max_skew_s=60)


def test_real_clock_rejects_an_old_timestamp():
    assert not verify_http_callback(URL, NOW, sign_http_callback(URL, NOW, KEY), KEY)


def test_fc_http_trigger_headers_are_read_whatever_their_case(fixture_json, http_auth):
    trigger = fixture_json("http_trigger")
    assert verify_http_trigger(trigger, http_auth["url"], http_auth["auth_key"], now=http_auth["now"])
    assert not verify_http_trigger(trigger, http_auth["url"], "WrongKey1", now=http_auth["now"])
    del trigger["headers"]["X-Ice-Signature"]
    assert not verify_http_trigger(trigger, http_auth["url"], http_auth["auth_key"], now=http_auth["now"])
