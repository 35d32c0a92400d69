"""The gate's lean evaluation (``full=False``) decides exactly as the full report, and words the same
warnings and failures; only findings that hold or do not apply go unworded."""

from __future__ import annotations

import json

import pytest
from rules_helpers import ICE, load

from playgate.ice.model import build_snapshot
from playgate.rules import load_rules
from playgate.testing import sample_catalog_path

CATALOG = sample_catalog_path()


def _snapshots():
    yield "reference", build_snapshot(load("GetMediaInfo.json"), load("GetPlayInfo.json"))
    yield (
        "reference-job",
        build_snapshot(jobs=json.loads((ICE / "ListMediaInfoJobs.json").read_text())["Jobs"]),
    )
    for media in sorted(p.name.split(".")[0] for p in CATALOG.glob("*.media.json")):
        play = CATALOG / f"{media}.play.json"
        info = json.loads((CATALOG / f"{media}.media.json").read_text())
        yield media, build_snapshot(info, json.loads(play.read_text()) if play.exists() else None)


@pytest.mark.parametrize(("name", "snapshot"), list(_snapshots()))
def test_lean_and_full_reports_agree_on_everything_that_is_read(name, snapshot):
    book = load_rules(None)
    for profile in book.profile_names:
        full = book.evaluate(snapshot, profile=profile)
        lean = book.evaluate(snapshot, profile=profile, full=False)
        assert (lean.outcome, lean.summary()) == (full.outcome, full.summary()), (name, profile)
        assert [f.rule for f in lean.findings if f.outcome == "pass"] == [
            f.rule for f in full.findings if f.outcome == "pass"
        ]
        worded = [f.model_dump() for f in full.findings if f.outcome in ("fail", "warn")]
        assert [f.model_dump() for f in lean.findings if f.outcome in ("fail", "warn")] == worded
        assert lean.to_markdown() == full.to_markdown()


def test_the_sample_catalog_exercises_passes_warnings_and_failures():
    book = load_rules(None)
    outcomes = {f.outcome for _, snap in _snapshots() for f in book.evaluate(snap, full=False).findings}
    assert {"pass", "fail", "not_applicable"} <= outcomes
