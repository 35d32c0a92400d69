"""The probe's corpus of defects: with every probe check on, the clean ladders raise nothing and each
defect ladder fails (or warns on) exactly the checks meant for it (the cross-table)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from defects_probe import REFERENCES, Defect, every_defect
from probe_helpers import probe

from playgate.probe.checks import CHECKS
from playgate.testing.stream_server import StreamServer


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe-defects")


@pytest.fixture
def cdn(corpus: Path) -> Iterator[StreamServer]:
    with StreamServer(corpus) as server:
        yield server


def raised(cdn: StreamServer, path: str, settings: dict[str, dict[str, object]] | None = None) -> set[str]:
    """The checks that did not pass, with every probe check on."""
    overrides = {check: {"enabled": True, **(settings or {}).get(check, {})} for check in CHECKS}
    report = probe(cdn.url(path), overrides=overrides)
    return {f.rule for f in report.findings if f.outcome != "pass"}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_each_clean_ladder_raises_nothing(corpus, cdn, name):
    assert raised(cdn, REFERENCES[name](corpus)) == set()


@pytest.mark.parametrize("defect", every_defect(), ids=lambda d: d.name)
def test_each_defect_fails_only_its_checks(corpus, cdn, defect: Defect):
    assert raised(cdn, defect.build(corpus), defect.settings) == set(defect.fails), defect.how
