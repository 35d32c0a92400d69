"""A UserData profile name that names no profile is never silent; a rule file can make it an error."""

from __future__ import annotations

import pytest
from rules_helpers import crafted

from playgate.errors import RuleFileError
from playgate.rules import compile_text, load_rules

SELECTING = """
version: 1
profiles:
  convert:
    extends: builtin:default
    select: {event_type: MediaConvertComplete}
"""


def _unknown(report):
    return [f for f in report.findings if f.rule == "profile-unknown"]


def test_a_misspelt_profile_warns_and_names_what_was_asked_used_and_known():
    book = load_rules(None)
    report = book.evaluate(crafted(), user_data='{"qcProfile": "premum"}')
    (finding,) = _unknown(report)
    assert (finding.severity, finding.outcome) == ("warning", "warn")
    assert finding.actual == "premum" and finding.check == "user_data.qcProfile"
    assert finding.expected == "one of default, hls-ladder"
    assert (
        "used 'default' instead" in finding.message
        and "known profiles: default, hls-ladder" in finding.message
    )
    assert report.profile == "default" and report.outcome != "pass"


def test_the_fallback_is_the_profile_the_selectors_choose():
    book = compile_text(SELECTING, "select.yml")
    report = book.evaluate(crafted(), event_type="MediaConvertComplete", user_data={"qcProfile": "premum"})
    (finding,) = _unknown(report)
    assert report.profile == "convert" and "used 'convert' instead" in finding.message
    assert finding.source == "select.yml"


def test_a_rule_file_can_make_it_an_error():
    book = compile_text("version: 1\nunknown_profile: error\n" + SELECTING.split("\n", 2)[2], "strict.yml")
    report = book.evaluate(crafted(), user_data={"qcProfile": "premum"})
    (finding,) = _unknown(report)
    assert (finding.severity, finding.outcome) == ("error", "fail")
    assert report.outcome == "fail"
    assert "unknown_profile: error" in finding.message


def test_a_name_that_is_not_text_is_unknown_too():
    (finding,) = _unknown(load_rules(None).evaluate(crafted(), user_data={"qcProfile": 3}))
    assert finding.actual == 3


@pytest.mark.parametrize(
    "user_data", [None, {"qcProfile": "hls-ladder"}, {"tier": "gold"}, "plain text", '{"other": 1}']
)
def test_no_finding_when_no_profile_is_asked_for_or_it_exists(user_data):
    assert _unknown(load_rules(None).evaluate(crafted(), user_data=user_data)) == []


def test_no_finding_without_a_profile_key_or_with_an_explicit_profile():
    book = compile_text("version: 1\nprofile_key: null\n" + SELECTING.split("\n", 2)[2], "nokey.yml")
    assert _unknown(book.evaluate(crafted(), user_data={"qcProfile": "premum"})) == []
    explicit = load_rules(None).evaluate(crafted(), profile="default", user_data={"qcProfile": "premum"})
    assert _unknown(explicit) == []


def test_unknown_profile_takes_only_fallback_or_error():
    with pytest.raises(RuleFileError) as raised:
        compile_text("version: 1\nunknown_profile: ignore\n" + SELECTING.split("\n", 2)[2], "bad.yml")
    assert "unknown_profile" in str(raised.value) and "fallback" in str(raised.value)
