"""Profiles say how far to probe and change the probe checks; bad probe settings are named like rules."""

from __future__ import annotations

import json
import textwrap

import pytest

from playgate.probe.gate import checks_for, probe_mode
from playgate.rules import RuleFileInvalid, compile_text, load_rules
from playgate.settings import Settings


def book(text: str):
    return compile_text(textwrap.dedent(text), "probe.yml")


def problems(text: str):
    with pytest.raises(RuleFileInvalid) as info:
        book(text)
    return [(p.kind, p.line, p.render()) for p in info.value.problems]


def test_builtin_default_does_not_probe_and_hls_ladder_probes_manifests():
    rules = load_rules(None)
    settings = Settings()
    assert probe_mode(settings, rules.profiles["default"]) == "none"
    assert probe_mode(settings, rules.profiles["hls-ladder"]) == "manifest"


def test_playgate_probe_overrides_the_profile():
    rules = load_rules(None)
    assert probe_mode(Settings(probe="none"), rules.profiles["hls-ladder"]) == "none"
    assert probe_mode(Settings(probe="MANIFEST"), rules.profiles["default"]) == "manifest"
    with pytest.raises(ValueError, match="PLAYGATE_PROBE must be one of none, manifest"):
        Settings(probe="everything")


def test_probe_settings_are_inherited_and_overridden_along_extends():
    rules = book(
        """
        profiles:
          premium:
            extends: hls-ladder
            probe_checks:
              hls-bandwidth-matches-measured: {tolerance: 0.2}
              mp4-faststart: {severity: error}
          strict:
            extends: premium
            disable: [url-reachable]
            probe_checks:
              hls-bandwidth-matches-measured: {severity: warning}
          quiet:
            extends: hls-ladder
            probe: none
        """
    )
    premium, strict = checks_for(rules.profiles["premium"]), checks_for(rules.profiles["strict"])
    assert rules.profiles["premium"].probe == rules.profiles["strict"].probe == "manifest"
    assert rules.profiles["quiet"].probe == "none"
    assert premium["hls-bandwidth-matches-measured"].params["tolerance"] == 0.2
    assert premium["mp4-faststart"].severity == "error" and premium["url-reachable"].enabled
    assert strict["hls-bandwidth-matches-measured"].params["tolerance"] == 0.2
    assert strict["hls-bandwidth-matches-measured"].severity == "warning"
    assert strict["mp4-faststart"].severity == "error"
    assert not strict["url-reachable"].enabled


def test_bad_probe_settings_are_each_named_with_their_line():
    found = problems(
        """
        profiles:
          p:
            probe: deep
            probe_checks:
              no-such-check: {}
              mp4-faststart: {severity: fatal}
              url-reachable: {timeout_s: fast, retries: 3}
        """
    )
    kinds = sorted((kind, line) for kind, line, _ in found)
    assert kinds == [
        ("unknown_field", 8),
        ("unknown_probe_check", 6),
        ("wrong_type", 4),
        ("wrong_type", 7),
        ("wrong_type", 8),
    ]
    text = "\n".join(r for _, _, r in found)
    assert "probe must be one of none, manifest" in text
    assert "known: url-reachable, hls-playlist-valid" in text
    assert (
        "url-reachable.retries is not a setting of url-reachable; known: severity, enabled, timeout_s" in text
    )


def test_disable_accepts_probe_check_ids_and_still_refuses_unknown_ids():
    assert not checks_for(book("profiles: {p: {disable: [mp4-faststart]}}").profiles["p"])[
        "mp4-faststart"
    ].enabled
    [(kind, _, _)] = problems("profiles: {p: {disable: [mp4-fast-start]}}")
    assert kind == "unknown_rule"


def test_the_json_schema_describes_the_probe_keys():
    from playgate.rules.spec import json_schema

    profile = json_schema()["$defs"]["ProfileSpec"]["properties"]
    assert {"probe", "probe_checks"} <= profile.keys()
    assert "docs/probe.md" in json.dumps(profile["probe_checks"])
