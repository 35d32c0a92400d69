"""Playlist-level checks (issue 21) on ffmpeg-made ladders and, where the fault is a lie or a number
ffmpeg does not write, hand-written playlists: AVERAGE-BANDWIDTH against the measured average, the
target duration, and segment boundaries aligned across an HLS ladder and a DASH AdaptationSet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from defects_playlists import UNEVEN_GOPS, _half_average, dash_ladder, long_segments
from defects_probe import X264, hls_ladder
from probe_helpers import findings, probe

from playgate.probe.alignment import first_misalignment
from playgate.testing.stream_server import StreamServer

AVERAGE = "hls-average-bandwidth-matches-measured"
TARGET = "hls-target-duration"
HLS_ALIGNED = "hls-segments-aligned"
DASH_ALIGNED = "dash-segments-aligned"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("playlists")


@pytest.fixture
def cdn(folder: Path) -> Iterator[StreamServer]:
    with StreamServer(folder) as server:
        yield server


# --- AVERAGE-BANDWIDTH -----------------------------------------------------------------------------
def test_average_bandwidth_at_half_the_measured_average_fails_for_each_variant(folder, cdn):
    report = probe(cdn.url(hls_ladder(folder, "half-average", master=_half_average)))

    failed = findings(report, AVERAGE, "fail")
    assert len(failed) == 2, report.to_markdown()
    for finding in failed:
        assert finding.actual["margin_bps"] == 0  # three segments a rung: every one weighed
        assert finding.actual["measured_average_bps"] > 1.9 * finding.actual["average-bandwidth"]
        assert "AVERAGE-BANDWIDTH" in finding.message
    assert findings(report, "hls-bandwidth-matches-measured", "fail") == []


def test_average_bandwidth_equal_to_the_measured_average_passes(folder, cdn):
    report = probe(cdn.url(hls_ladder(folder, "true-average")))

    assert [f.outcome for f in findings(report, AVERAGE)] == ["pass"]
    assert report.outcome == "pass", report.to_markdown()


def _long_ladder(server: StreamServer, average_factor: float, count: int = 300) -> float:
    """A 2-s-segment ladder of one rung, sizes ±20 % around 1 Mb/s, served from memory; AVERAGE-BANDWIDTH
    is the true average times ``average_factor``. Returns the true average."""
    sizes = [int(250_000 * (1 + 0.2 * (((i * 7919) % 11) - 5) / 5)) for i in range(count)]
    average = sum(sizes) * 8 / (2.0 * count)
    peak = max(sizes) * 8 / 2.0
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for i, size in enumerate(sizes):
        server.virtual[f"/long/seg_{i}.ts"] = size
        lines += ["#EXTINF:2.0,", f"seg_{i}.ts"]
    server.virtual["/long/index.m3u8"] = ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()
    declared = int(average * average_factor)
    server.virtual["/long/master.m3u8"] = (
        f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH={int(peak)},AVERAGE-BANDWIDTH={declared},"
        'RESOLUTION=640x360,CODECS="avc1.4d401e"\nindex.m3u8\n'
    ).encode()
    return average


def test_a_sample_of_segments_proves_a_gross_average_bandwidth_lie():
    with StreamServer() as server:
        _long_ladder(server, 0.5)
        report = probe(server.url("/long/master.m3u8"), probe_max_segments=10)

    [finding] = findings(report, AVERAGE, "fail")
    assert 0 < finding.actual["margin_bps"] < 0.2 * finding.actual["measured_average_bps"]
    assert finding.actual["segments_measured"] == 10


def test_a_sample_judges_only_what_it_can_prove_and_every_segment_judges_to_the_tolerance():
    with StreamServer() as server:
        _long_ladder(server, 0.87)  # the real average is 15 % above AVERAGE-BANDWIDTH
        sampled = probe(server.url("/long/master.m3u8"), probe_max_segments=10)
        every = probe(server.url("/long/master.m3u8"), probe_max_segments=300)
        _long_ladder(server, 1.0)
        true = probe(server.url("/long/master.m3u8"), probe_max_segments=10)

    assert [f.outcome for f in findings(sampled, AVERAGE)] == ["pass"]  # within 3 standard errors
    [finding] = findings(every, AVERAGE, "fail")
    assert finding.actual["margin_bps"] == 0
    assert [f.outcome for f in findings(true, AVERAGE)] == ["pass"]


def test_byterange_sizes_in_the_playlist_judge_the_average_exactly_from_one_sampled_segment(
    stream_server, media_library
):
    text = media_library.path("hls-single/index.m3u8").read_text()
    durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", text)]
    lengths = [int(n) for n in re.findall(r"#EXT-X-BYTERANGE:([0-9]+)", text)]
    average = sum(lengths) * 8 / sum(durations)
    for factor, outcome in ((0.85, "fail"), (1.0, "pass")):
        stream_server.virtual["/hls-single/master.m3u8"] = (
            f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=10000000,AVERAGE-BANDWIDTH={int(average * factor)}\n"
            "index.m3u8\n"
        ).encode()
        report = probe(stream_server.url("/hls-single/master.m3u8"), probe_max_segments=1)
        assert [f.outcome for f in findings(report, AVERAGE)] == [outcome], report.to_markdown()


# --- target duration -------------------------------------------------------------------------------
def test_a_target_of_10_s_warns_and_12_s_fails(folder, cdn):
    warned = probe(cdn.url(long_segments(folder, "target-10", 10)))
    failed = probe(cdn.url(long_segments(folder, "target-12", 12)))

    assert {f.outcome for f in findings(warned, TARGET)} == {"warn"}
    assert {f.actual["target_duration"] for f in findings(warned, TARGET)} == {10}
    assert warned.outcome == "warn", warned.to_markdown()
    assert len(findings(failed, TARGET, "fail")) == 2  # each rung's playlist
    assert "7.5" in findings(failed, TARGET, "fail")[0].message
    assert failed.outcome == "fail"


def test_the_target_duration_limits_come_from_the_rule_file(folder, cdn):
    path = long_segments(folder, "target-12", 12)

    relaxed = probe(cdn.url(path), overrides={TARGET: {"max_s": 12}})
    quiet = probe(cdn.url(path), overrides={TARGET: {"max_s": 12, "recommended_s": 12}})

    assert {f.outcome for f in findings(relaxed, TARGET)} == {"warn"}
    assert [f.outcome for f in findings(quiet, TARGET)] == ["pass"]


def test_a_2_s_target_passes(stream_server):
    report = probe(stream_server.url("/hls/master.m3u8"))

    assert [f.outcome for f in findings(report, TARGET)] == ["pass"]


# --- HLS alignment ---------------------------------------------------------------------------------
def test_rungs_cut_at_different_gops_are_misaligned_at_the_first_boundary(folder, cdn):
    report = probe(cdn.url(hls_ladder(folder, "uneven-gops", encode=UNEVEN_GOPS)))

    [finding] = findings(report, HLS_ALIGNED, "warn")
    assert finding.actual == {
        "rendition": cdn.url("/uneven-gops/v1/index.m3u8"),
        "reference": cdn.url("/uneven-gops/v0/index.m3u8"),
        "boundary_of": cdn.url("/uneven-gops/v0/index.m3u8"),
        "segment": 0,
        "at_s": 2.0,
        "nearest_s": [None, 3.0],
    }
    assert "segment 0 ends at 2.000 s" in finding.message


def test_an_ffmpeg_ladder_with_an_audio_rendition_is_aligned(stream_server):
    report = probe(stream_server.url("/hls-audio/master.m3u8"))  # audio cut 5 ms after the video

    assert [f.outcome for f in findings(report, HLS_ALIGNED)] == ["pass"]


def _hand_written(
    server: StreamServer, rungs: list[list[float]], dates: list[str | None] | None = None
) -> str:
    master = ["#EXTM3U"]
    for r, durations in enumerate(rungs):
        lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:6", "#EXT-X-PLAYLIST-TYPE:VOD"]
        if dates and dates[r]:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{dates[r]}")
        for i, duration in enumerate(durations):
            server.virtual[f"/hand/r{r}/{i}.ts"] = 1000
            lines += [f"#EXTINF:{duration},", f"{i}.ts"]
        server.virtual[f"/hand/r{r}/index.m3u8"] = ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()
        master += [
            '#EXT-X-STREAM-INF:BANDWIDTH=5000,CODECS="avc1.4d401e",RESOLUTION=64x36',
            f"r{r}/index.m3u8",
        ]
    server.virtual["/hand/master.m3u8"] = ("\n".join(master) + "\n").encode()
    return server.url("/hand/master.m3u8")


def test_rungs_with_different_segment_lengths_are_misaligned():
    with StreamServer() as server:
        report = probe(_hand_written(server, [[4.0, 4.0, 4.0], [6.0, 6.0]]))

    [finding] = findings(report, HLS_ALIGNED, "warn")
    assert (finding.actual["segment"], finding.actual["at_s"], finding.actual["nearest_s"]) == (
        0,
        4.0,
        [None, 6.0],
    )


def test_extinf_drift_is_found_where_it_passes_the_tolerance():
    rungs = [[2.0] * 5, [2.04] * 5]  # 40 ms more every segment
    with StreamServer() as server:
        url = _hand_written(server, rungs)
        default = probe(url)
        wider = probe(url, overrides={HLS_ALIGNED: {"tolerance_s": 0.1}})
        widest = probe(url, overrides={HLS_ALIGNED: {"tolerance_s": 0.2}})

    [first] = findings(default, HLS_ALIGNED, "warn")
    assert (first.actual["segment"], first.actual["at_s"]) == (1, 4.0)  # 4.08 − 4.0 > 0.05
    [second] = findings(wider, HLS_ALIGNED, "warn")
    assert (second.actual["segment"], second.actual["at_s"]) == (2, 6.0)  # 6.12 − 6.0 > 0.1
    assert [f.outcome for f in findings(widest, HLS_ALIGNED)] == ["pass"]


@pytest.mark.parametrize(
    "second_start, outcome",
    [("2026-12-03T10:00:04.000Z", "pass"), ("2026-12-03T10:00:01.000Z", "warn")],
    ids=["four-seconds-later", "one-second-later"],
)
def test_program_date_times_place_rungs_that_start_at_different_times(second_start, outcome):
    with StreamServer() as server:
        url = _hand_written(server, [[2.0] * 6, [2.0] * 4], ["2026-12-03T10:00:00.000Z", second_start])
        report = probe(url)

    assert [f.outcome for f in findings(report, HLS_ALIGNED)] == [outcome]
    if outcome == "warn":
        [finding] = findings(report, HLS_ALIGNED)
        assert (finding.actual["segment"], finding.actual["at_s"], finding.actual["nearest_s"]) == (
            0,
            2.0,
            [None, 3.0],
        )


def test_without_a_date_on_every_rung_each_is_placed_from_its_first_segment():
    with StreamServer() as server:
        url = _hand_written(server, [[2.0] * 6, [2.0] * 4], ["2026-12-03T10:00:00.000Z", None])
        report = probe(url)

    assert [f.outcome for f in findings(report, HLS_ALIGNED)] == ["pass"]


def test_boundaries_are_compared_only_where_both_renditions_have_media():
    assert first_misalignment([2.0, 4.0, 6.0, 8.0], [2.005, 4.011, 6.016, 8.0, 8.021], 0.05) is None
    assert first_misalignment([2.0, 4.0], [2.0, 4.0, 6.0, 8.0], 0.05) is None
    found = first_misalignment([2.0, 4.0, 6.0], [3.0, 6.0], 0.05)
    assert found is not None and (found.in_reference, found.segment, found.at_s) == (True, 0, 2.0)
    found = first_misalignment([3.0, 6.0], [2.0, 4.0, 6.0], 0.05)
    assert found is not None and (found.in_reference, found.segment, found.at_s) == (False, 0, 2.0)


# --- DASH alignment --------------------------------------------------------------------------------
def test_dash_representations_cut_at_different_gops_are_misaligned(folder, cdn):
    report = probe(cdn.url(dash_ladder(folder, "dash-uneven", UNEVEN_GOPS)))

    [finding] = findings(report, DASH_ALIGNED, "warn")
    assert finding.actual == {
        "adaptation_set": "0",
        "rendition": "Representation 1",
        "reference": "Representation 0",
        "boundary_of": "Representation 0",
        "segment": 0,
        "at_s": 2.0,
        "nearest_s": [None, 3.0],
    }


def test_a_dash_ladder_with_one_gop_is_aligned(folder, cdn):
    report = probe(cdn.url(dash_ladder(folder, "dash-even", X264)))

    assert [f.outcome for f in findings(report, DASH_ALIGNED)] == ["pass"]
    assert report.outcome == "pass", report.to_markdown()


def _mpd(server: StreamServer, representations: str, duration: str = "PT12S") -> str:
    server.virtual["/d/manifest.mpd"] = (
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        f'mediaPresentationDuration="{duration}"><Period><AdaptationSet id="7" contentType="video" '
        f'mimeType="video/mp4" codecs="avc1.4d401e" width="64" height="36">{representations}'
        "</AdaptationSet></Period></MPD>"
    ).encode()
    for name in ("a-init.mp4", "a-1.m4s", "b-init.mp4", "b-1.m4s", "a1.m4s", "b1.m4s"):
        server.virtual[f"/d/{name}"] = 100
    return server.url("/d/manifest.mpd")


def _template(rep: str, body: str = "", **attributes: str) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in attributes.items())
    return (
        f'<Representation id="{rep}" bandwidth="1000"><SegmentTemplate media="{rep}-$Number$.m4s" '
        f'initialization="{rep}-init.mp4" {attrs}>{body}</SegmentTemplate></Representation>'
    )


@pytest.mark.parametrize(
    "representations, at_s",
    [
        (
            _template("a", timescale="1000", duration="2000")
            + _template("b", timescale="1000", duration="3000"),
            2.0,
        ),
        (
            _template("a", '<SegmentTimeline><S t="0" d="4" r="-1"/></SegmentTimeline>', timescale="2")
            + _template(
                "b", '<SegmentTimeline><S t="0" d="4"/><S d="5" r="3"/></SegmentTimeline>', timescale="2"
            ),
            4.0,
        ),
        (
            '<Representation id="a" bandwidth="1000"><SegmentList duration="2">'
            + '<SegmentURL media="a1.m4s"/>' * 6
            + '</SegmentList></Representation><Representation id="b" bandwidth="1000">'
            + '<SegmentList timescale="10" duration="25">'
            + '<SegmentURL media="b1.m4s"/>' * 5
            + "</SegmentList></Representation>",
            2.0,
        ),
    ],
    ids=["template-duration", "timeline-repeat", "segment-list"],
)
def test_hand_written_dash_representations_misaligned(representations, at_s):
    with StreamServer() as server:
        report = probe(_mpd(server, representations))

    [finding] = findings(report, DASH_ALIGNED, "warn")
    assert finding.actual["at_s"] == at_s
    assert finding.actual["adaptation_set"] == "7"


def test_a_dash_timeline_repeated_a_trillion_times_is_read_to_the_bound():
    body = '<SegmentTimeline><S t="0" d="2" r="1000000000000"/></SegmentTimeline>'
    with StreamServer() as server:
        report = probe(_mpd(server, _template("a", body) + _template("b", body), duration="PT1000000H"))

    assert [f.outcome for f in findings(report, DASH_ALIGNED)] == ["pass"]


@pytest.mark.parametrize("s", ['<S t="0" d="abc"/>', '<S t="0" d="0"/>', '<S t="10" d="2"/><S t="4" d="2"/>'])
def test_an_unusable_dash_timeline_fails_the_mpd_naming_it(s):
    aligned = _template("a", '<SegmentTimeline><S t="0" d="2" r="5"/></SegmentTimeline>')
    with StreamServer() as server:
        report = probe(_mpd(server, aligned + _template("b", f"<SegmentTimeline>{s}</SegmentTimeline>")))

    [finding] = findings(report, "dash-mpd-valid", "fail")
    assert finding.actual["representation"] == "b"
    assert "S@" in finding.actual["timeline"]
    assert findings(report, DASH_ALIGNED) == []  # one Representation left: nothing to align with


def test_durations_beyond_the_budget_are_not_compared_and_the_probe_says_so(monkeypatch):
    import playgate.probe.hls

    monkeypatch.setattr(playgate.probe.hls, "MAX_ALIGNED_SEGMENTS", 5)  # one rung of 4 segments fits
    with StreamServer() as server:
        report = probe(_hand_written(server, [[2.0] * 4, [3.0] * 4, [2.5] * 4]))

    assert findings(report, HLS_ALIGNED) == []  # one rung kept: nothing to compare it with
    [incomplete] = findings(report, "probe-incomplete", "warn")
    assert incomplete.actual["playlists_not_aligned"] == 2
