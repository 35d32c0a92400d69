"""Profiles are chosen by UserData's profile key, then selectors in file order, else default."""

from __future__ import annotations

import json

import pytest
import yaml
from rules_helpers import crafted

from playgate.rules import compile_text, load_rules

RULES = {
    "profiles": {
        "premium": {"extends": "hls-ladder", "select": {"user_data": {"tier": "premium"}}},
        "by-key": {"select": {"user_data_keys": ["urgent"]}},
        "convert": {"select": {"event_type": ["MediaConvert*", "TranscodeComplete"]}},
        "plain": {"select": {"user_data": "nightly-batch"}},
        "sports": {"select": [{"category": "Sports", "media_type": "video"}, {"tags": ["vip"]}]},
        "ads": {"select": {"business_type": "ad"}},
        "multi": {
            "select": {"event_type": "ProduceMediaComplete", "user_data": {"tier": ["gold", "silver"]}}
        },
    }
}
BOOK = compile_text(yaml.safe_dump(RULES, sort_keys=False), "select.yml")


def pick(*, event_type=None, user_data=None, **info):
    return BOOK.select_profile(event_type=event_type, user_data=user_data, snapshot=crafted(info=info))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"user_data": {"qcProfile": "hls-ladder"}}, "hls-ladder"),
        ({"user_data": json.dumps({"qcProfile": "premium"})}, "premium"),
        ({"user_data": {"qcProfile": "no-such-profile", "tier": "premium"}}, "premium"),
        ({"user_data": {"tier": "premium"}}, "premium"),
        ({"user_data": '{"tier": "premium"}'}, "premium"),
        ({"user_data": {"urgent": 1}}, "by-key"),
        ({"event_type": "MediaConvertComplete"}, "convert"),
        ({"event_type": "TranscodeComplete"}, "convert"),
        ({"user_data": "nightly-batch"}, "plain"),
        ({}, "sports"),
        ({"category": "News", "tags": ["vip"]}, "sports"),
        ({"category": "News", "business_type": "ad"}, "ads"),
        ({"category": "News", "event_type": "ProduceMediaComplete", "user_data": {"tier": "gold"}}, "multi"),
        (
            {"category": "News", "event_type": "ProduceMediaComplete", "user_data": {"tier": "bronze"}},
            "default",
        ),
        ({"category": "News", "user_data": None}, "default"),
        ({"category": "News", "media_type": "audio", "user_data": 42}, "default"),
    ],
)
def test_profile_selection(kwargs, expected):
    assert pick(**kwargs) == expected


def test_first_matching_selector_wins():
    assert pick(user_data={"tier": "premium", "urgent": True}, event_type="TranscodeComplete") == "premium"


def test_snapshot_user_data_is_used_when_the_event_has_none():
    snap = crafted(info={"user_data": {"tier": "premium"}, "category": "News"})
    assert BOOK.select_profile(event_type=None, user_data=None, snapshot=snap) == "premium"


def test_evaluate_selects_the_profile_when_none_is_given():
    report = BOOK.evaluate(crafted(info={"category": "News"}), user_data={"tier": "premium"})
    assert report.profile == "premium"
    assert any(f.rule.startswith("hls-") for f in report.findings)


def test_built_in_book_selects_default_and_knows_hls_ladder():
    book = load_rules(None)
    assert book.profile_names == ["default", "hls-ladder"]
    assert (
        book.select_profile(event_type="TranscodeComplete", user_data=None, snapshot=crafted()) == "default"
    )
    assert (
        book.select_profile(event_type=None, user_data={"qcProfile": "hls-ladder"}, snapshot=crafted())
        == "hls-ladder"
    )


def test_an_unknown_profile_asked_for_explicitly_fails_visibly():
    report = BOOK.evaluate(crafted(), profile="nope")
    assert report.outcome == "fail"
    assert "nope" in report.findings[0].message and "premium" in report.findings[0].message


def test_profile_key_can_be_renamed_or_switched_off():
    book = compile_text("profile_key: qc\nprofiles:\n  x: {}\n", "k.yml")
    assert book.select_profile(event_type=None, user_data={"qc": "x"}, snapshot=crafted()) == "x"
    assert book.select_profile(event_type=None, user_data={"qcProfile": "x"}, snapshot=crafted()) == "default"
    off = compile_text("profile_key: null\nprofiles:\n  x: {}\n", "k.yml")
    assert off.select_profile(event_type=None, user_data={"qcProfile": "x"}, snapshot=crafted()) == "default"
