"""examples/rules.yml (the README's "Writing rules" example) lints and runs on the reference responses."""

from __future__ import annotations

from rules_helpers import ROOT, crafted

from playgate.rules import load_rules

EXAMPLE = ROOT / "examples" / "rules.yml"


def test_example_lints_with_its_three_profiles():
    book = load_rules(EXAMPLE)
    assert book.profile_names[:3] == ["default", "premium", "upload"]
    assert "hls-required-definitions" not in {r.id for r in book.profiles["premium"].rules}


def test_example_runs_on_every_reference_snapshot(ref_full, ref_media_only, ref_job):
    book = load_rules(EXAMPLE)
    results = {
        (name, profile): book.evaluate(snap, profile=profile).outcome
        for name, snap in (("full", ref_full), ("media", ref_media_only), ("job", ref_job))
        for profile in ("default", "premium", "upload")
    }
    assert results == {
        ("full", "default"): "fail",
        ("full", "premium"): "fail",
        ("full", "upload"): "pass",
        ("media", "default"): "warn",
        ("media", "premium"): "warn",
        ("media", "upload"): "pass",
        ("job", "default"): "pass",
        ("job", "premium"): "pass",
        ("job", "upload"): "fail",
    }


def test_example_premium_overrides_the_duration_rule_and_selects_by_tag():
    book = load_rules(EXAMPLE)
    snap = crafted(info={"tags": ["vip"]})
    report = book.evaluate(snap)
    assert report.profile == "premium" and report.outcome == "pass"
    rule = next(r for r in book.profiles["premium"].rules if r.id == "rendition-duration-matches-source")
    assert rule.check.op.tolerance == (0.5, False)


def test_example_premium_probes_then_decodes_two_windows():
    book = load_rules(EXAMPLE)
    premium = book.profiles["premium"]
    assert premium.probe == "decode"
    assert premium.decode.renditions == "lowest-and-highest"
    assert [w.seconds for w in premium.decode.windows] == [10, 5]
    assert book.profiles["default"].probe != "decode"  # only premium titles pay for decoding
