"""The checks inside segments, beyond the corpus: what their findings say, their settings from a rule
file."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

import pytest
from defects_probe_segments import DEFECTS
from probe_helpers import findings, probe

from playgate.probe.gate import checks_for
from playgate.probe.runner import deadline_in, probe_urls
from playgate.rules import compile_text
from playgate.settings import Settings
from playgate.testing.stream_server import StreamServer


def test_a_finding_names_the_variant_and_the_segment_without_the_query(stream_server):
    stream_server.auth_key = "s3cret-key"
    stream_server.rewrite["/hls/master.m3u8"] = lambda body: body.replace(b"320x180", b"1280x720")

    report = probe(stream_server.url("/hls/master.m3u8", signed=True))

    (finding,) = findings(report, "variant-matches-segments", "fail")
    variant = stream_server.url("/hls/v0/index.m3u8")
    assert finding.actual["variant"] == f"the variant {variant}"
    assert finding.actual["segment"].startswith(stream_server.url("/hls/v0/seg_"))
    assert finding.actual["attribute"] == "RESOLUTION"
    assert "RESOLUTION is 1280x720, the segments are 320x180" in finding.message
    assert "s3cret-key" not in report.model_dump_json()


@pytest.fixture(scope="module")
def lies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StreamServer, str]]:
    folder = tmp_path_factory.mktemp("frame-rate")
    (defect,) = [d for d in DEFECTS if d.name == "frame-rate-lies"]
    path = defect.build(folder)
    with StreamServer(folder) as server:
        yield server, path


def test_a_rule_file_sets_the_frame_rate_tolerance(lies):
    server, path = lies
    rules = compile_text(
        textwrap.dedent(
            """
            profiles:
              loose:
                extends: hls-ladder
                probe_checks:
                  variant-matches-segments: {frame_rate_tolerance: 0.25}
            """
        ),
        "probe.yml",
    )
    settings = Settings(probe_allow_hosts="127.0.0.1")
    strict = probe_urls([server.url(path)], settings=settings, deadline=deadline_in(30))
    loose = probe_urls(
        [server.url(path)],
        settings=settings,
        checks=checks_for(rules.profiles["loose"]),
        deadline=deadline_in(30),
    )

    assert {f.actual["attribute"] for f in findings(strict, "variant-matches-segments", "fail")} == {
        "FRAME-RATE"
    }
    assert findings(loose, "variant-matches-segments", "fail") == []
    assert findings(loose, "variant-matches-segments", "pass")


@pytest.mark.parametrize(("level", "outcome"), [(0x33, "warn"), (0x0A, "fail")], ids=["5.1", "1.0"])
def test_a_declared_level_above_the_streams_warns_and_one_below_fails(stream_server, level, outcome):
    """Above: devices that could play the rung pass it over. Below: a device chooses a rung it may
    not decode."""

    def declare(body: bytes) -> bytes:
        return re.sub(rb"avc1\.([0-9a-fA-F]{4})[0-9a-fA-F]{2}", rb"avc1.\g<1>" + b"%02x" % level, body)

    stream_server.rewrite["/hls/master.m3u8"] = declare

    report = probe(stream_server.url("/hls/master.m3u8"))

    raised = [f for f in findings(report, "variant-matches-segments") if f.outcome != "pass"]
    assert {f.outcome for f in raised} == {outcome}
    assert {f.actual["attribute"] for f in raised} == {"CODECS"}
    assert len(raised) == 2  # each rung
