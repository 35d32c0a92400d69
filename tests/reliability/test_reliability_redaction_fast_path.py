"""The redaction's pre-check may skip a text only when no redaction pattern could match it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from playgate import log

PATTERNS = (log._AUTH_HEADER, log._SECRET_QUERY, log._ACCESS_KEY_ID, log._PERCENT_RUN, log._BASE64_RUN)
PIECES = st.sampled_from(
    ["ACS3-HMAC-SHA256 ", "MNS ", "acs ", "OSS ", "LTAI", "STS.", "Signature", "auth_key", "&", "?", ";",
     "\\u0026", "=", "%2F", "%", ":", "/", "+", " ", "-", ".", "_", "a", "Z", "0", "9", "media-ladder-ok"]
)  # fmt: skip
TEXTS = st.one_of(
    st.lists(PIECES | st.text(alphabet="abcXYZ019+/=%:&?._- ", max_size=20), max_size=12).map("".join),
    st.text(max_size=60),
)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_a_text_the_pre_check_skips_matches_no_redaction_pattern(text):
    if log._SUSPECT.search(text) is None:
        assert not any(pattern.search(text) for pattern in PATTERNS), text


def test_plain_ids_skip_and_secrets_do_not():
    assert log._SUSPECT.search("media-ladder-ok") is None
    signed = "https://b.oss.example.com/v.m3u8?OSSAccessKeyId=LTAIxxxxxxxxxxxx&Signature=abc"
    assert log.redact_text(signed) == "https://b.oss.example.com/v.m3u8?OSSAccessKeyId=***&Signature=***"
    assert log.redact_text("MNS keyid:c2lnbmF0dXJl") == "MNS ***"
