"""The corpus of defects: the clean reference raises nothing with every check on, and each defect clip
fails exactly the checks meant for it (the cross-table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from defects import Defect, every_defect, reference

from playgate.decode.engine import Target, decode_target
from playgate.decode.ffmpeg import Tools
from playgate.decode.spec import DecodeChecks, DecodeSpec
from playgate.rules.report import Finding


def every_check_on(settings: dict[str, dict[str, object]] | None = None) -> DecodeSpec:
    """Every decode check enabled; the loudness check held to EBU R128 (the reference is -23 LUFS)."""
    block: dict[str, dict[str, object]] = {
        info.alias or name: {"enabled": True} for name, info in DecodeChecks.model_fields.items()
    }
    block["audio-loudness"]["preset"] = "ebu-r128"
    for check, values in (settings or {}).items():
        block[check] = {**block[check], **values}
    return DecodeSpec.model_validate({"checks": block})


def failed(tools: Tools, path: Path, spec: DecodeSpec) -> set[str]:
    findings: list[Finding] = decode_target(Target(str(path), "clip"), spec, tools, timeout_s=120)
    return {f.rule for f in findings if f.outcome != "pass"}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("defects")


def test_the_reference_is_programme_loudness(tools, corpus):
    findings = decode_target(Target(str(reference(corpus)), "clip"), every_check_on(), tools, timeout_s=120)
    (loudness,) = [f for f in findings if f.rule == "audio-loudness"]
    assert loudness.actual["integrated_lufs"] == pytest.approx(-23, abs=0.7)


def test_the_reference_raises_nothing_with_every_check_on(tools, corpus):
    assert failed(tools, reference(corpus), every_check_on()) == set()


@pytest.mark.parametrize("defect", every_defect(), ids=lambda d: d.name)
def test_each_defect_fails_only_its_checks(tools, corpus, defect: Defect):
    clip = defect.build(corpus)
    assert failed(tools, clip, every_check_on(defect.settings)) == set(defect.fails), defect.how
