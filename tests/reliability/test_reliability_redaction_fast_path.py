"""The redaction's pre-check may skip a text only when no redaction pattern could match it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playgate import log

PATTERNS = (
    log._AUTH_HEADER,
    log._SECRET_QUERY,
    log._USERINFO,
    log._CDN_PATH_SIGNATURE,
    log._ACCESS_KEY_ID,
    log._PERCENT_RUN,
    log._BASE64_RUN,
)
PIECES = st.sampled_from(
    ["ACS3-HMAC-SHA256 ", "MNS ", "acs ", "OSS ", "LTAI", "STS.", "Signature", "auth_key", "api_key", "sig",
     "password", "&", "?", ";", "\\u0026", "=", "%2F", "%", ":", "/", "+", " ", "-", ".", "_", "a", "Z", "0",
     "9", "media-ladder-ok", "http://", "rtmp://", "@", "editor:Pa55w0rd@", "/202412031200/", "/6750a1b2/",
     "0123456789abcdef", "0123456789ABCDEF", "/0123456789abcdef0123456789abcdef/", "0123456789abcde"]
)  # fmt: skip
TEXTS = st.one_of(
    st.lists(PIECES | st.text(alphabet="abcXYZ019+/=%:&?._- ", max_size=20), max_size=12).map("".join),
    st.text(max_size=60),
)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_a_text_the_pre_check_skips_matches_no_redaction_pattern(text):
    if not log._suspect(text):
        assert not any(pattern.search(text) for pattern in PATTERNS), text


def test_plain_ids_skip_and_secrets_do_not():
    assert not log._suspect("media-ladder-ok")
    signed = "https://b.oss.example.com/v.m3u8?OSSAccessKeyId=LTAIxxxxxxxxxxxx&Signature=abc"
    assert log.redact_text(signed) == "https://b.oss.example.com/v.m3u8?OSSAccessKeyId=***&Signature=***"
    assert log.redact_text("MNS keyid:c2lnbmF0dXJl") == "MNS ***"


MD5 = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"http://cdn.example.com/202412031200/{MD5}/hls/v.m3u8", "http://cdn.example.com/202412031200/***/hls/v.m3u8"),
        (f"http://cdn.example.com/{MD5}/6750a1b2/hls/v.m3u8", "http://cdn.example.com/***/6750a1b2/hls/v.m3u8"),
        ("ffmpeg: http://editor:Pa55w0rd@10.0.0.1/a.mp4", "ffmpeg: http://editor:***@10.0.0.1/a.mp4"),
        ("rtmp://u:p@ss@h:1935/live", "rtmp://u:***@h:1935/live"),
        ("https://ghp_t0ken@git.example/r", "https://***@git.example/r"),
        ("https://h/x?api_key=A1&apikey=B2&sig=C3&password=D4", "https://h/x?api_key=***&apikey=***&sig=***&password=***"),
        ("https://h/robot/send?access_token=E5&key=F6&sign=G7&time=1", "https://h/robot/send?access_token=***&key=***&sign=***&time=1"),
        ("mail a@b.example, v1.2, 29.97 fps", "mail a@b.example, v1.2, 29.97 fps"),
    ],
)  # fmt: skip
def test_cdn_path_signatures_user_info_and_api_keys_are_redacted(text, shown):
    assert log.redact_text(text) == shown


def _every_pass(text: str) -> str:
    """The reference: every pass on every suspect text, none skipped by its literal guard."""
    text = log._AUTH_HEADER.sub(lambda m: (m.group(1) or m.group(2)) + " " + log.REDACTED, text)
    text = log._SECRET_QUERY.sub(lambda m: m.group(1) + log.REDACTED, text)
    text = log._USERINFO.sub(log._redact_userinfo, text)
    text = log._CDN_PATH_SIGNATURE.sub(lambda m: (m.group(1) or "/") + log.REDACTED, text)
    text = log._ACCESS_KEY_ID.sub(log.REDACTED, text)
    if "%" in text:
        text = log._PERCENT_RUN.sub(log._redact_percent_encoded, text)
    return log._BASE64_RUN.sub(log._redact_base64, text)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_the_passes_skipped_by_their_literal_guards_would_have_changed_nothing(text):
    expected = _every_pass(text) if log._suspect(text) else text
    assert log.redact_text(text) == expected, text


def test_a_secret_registered_after_a_text_was_redacted_is_redacted_in_it_the_next_time():
    text = "token Zq9-remembered-later in a short log value"
    assert log.redact_text(text) == text  # the answer is now remembered
    log.register_secret("Zq9-remembered-later")
    assert log.redact_text(text) == "token *** in a short log value"


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_a_remembered_answer_is_the_answer(text):
    assert log.redact_text(text) == log.redact_text(text) == log._redact_text(text)


def _redact_reference(value: Any, key: str | None = None) -> Any:
    """redact() as it was before its type checks were reordered for speed."""
    if key is not None and isinstance(value, str | bytes) and value and log._secret_name(str(key)):
        return log.REDACTED
    if isinstance(value, str):
        return log.redact_text(value)
    if isinstance(value, bytes):
        return log.redact_text(value.decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        return {k: _redact_reference(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_reference(v) for v in value]
    if isinstance(value, BaseException):
        return log.redact_text(f"{type(value).__name__}: {value}")
    return value


KEYS = st.sampled_from(["id", "url", "token", "Signature", "message", "access_key", "detail", "n"])
SCALARS = st.one_of(
    TEXTS, st.binary(max_size=40), st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    TEXTS.map(ValueError),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(KEYS, inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=4).map(MappingProxyType),
    ),
    max_leaves=12,
)


@settings(max_examples=1500, deadline=None)
@given(VALUES, st.one_of(st.none(), KEYS))
def test_redact_answers_as_before_its_type_checks_were_reordered(value, key):
    assert log.redact(value, key) == _redact_reference(value, key)


def test_an_exception_logged_keeps_its_traceback_and_loses_its_secrets(capsys):
    import json

    log.configure(json=True)
    try:
        raise RuntimeError("GET https://h.example/v.m3u8?auth_key=1700000000-0-0-c0ffee0123 failed")
    except RuntimeError:
        log.get_logger().exception("event.unexpected_error")
    log.get_logger().info("event.done", detail={"exc": "none here"})
    failed, done = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert "Traceback" in failed["exception"] and "RuntimeError" in failed["exception"]
    assert "auth_key=***" in failed["exception"] and "c0ffee0123" not in failed["exception"]
    assert "exception" not in done
