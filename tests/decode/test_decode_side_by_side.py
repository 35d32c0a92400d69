"""Renditions decoded side by side: the gate's verdict is the one it reaches decoding them one after
another, refusals are named on the rendition whose ffmpeg asked, a rendition that cannot be read costs
the other nothing, and the count follows the cores, the memory and PLAYGATE_DECODE_PARALLEL.

Two ffmpeg runs are shown to overlap without timing: the runner (the real one, wrapped) waits at a
barrier of two before and after ffmpeg, which only two runs in flight at once can pass.
"""

from __future__ import annotations

import json
import threading

import pytest
from decode_helpers import AUTH_KEY
from test_decode_cage import FORBIDDEN, Listener

from playgate.decode import engine, parallel
from playgate.decode.parallel import FFMPEG_MIB, at_once, decode_workers, memory_mib
from playgate.decode.spec import DecodeChecks
from playgate.errors import ConfigError
from playgate.settings import Settings, load_settings, unknown_variables
from playgate.testing.sample_events import callback

REAL_RUN = engine.run
BARRIER_TIMEOUT_S = 60  # a bound for a broken run, not a measurement: two runs in flight pass at once


def media_info(media_id: str) -> dict:
    basic = {"MediaId": media_id, "Status": "Normal", "MediaType": "video", "Title": "side by side"}
    return {"MediaInfo": {"MediaId": media_id, "MediaBasicInfo": basic, "FileInfoList": []}}


def rendition(url: str, definition: str, size: tuple[int, int], bitrate_kbps: int, fmt: str) -> dict:
    return {
        "Status": "Normal", "Width": size[0], "Height": size[1], "Fps": "25", "Duration": "8.0",
        "Bitrate": str(bitrate_kbps), "Definition": definition, "Format": fmt, "StreamType": "video",
        "PlayURL": url, "Encrypt": 0,
    }  # fmt: skip


def add_media(world, media_id: str, renditions: list[dict]) -> None:
    base = {"MediaId": media_id, "Status": "Normal", "MediaType": "video"}
    play = {"RequestId": "side-by-side", "MediaBase": base, "PlayInfoList": renditions}
    world.emulator.add_media(media_id, media_info(media_id), play)


def verdict(world, media_id: str) -> dict:
    (message,) = [
        m for m in world.messages("alerts") + world.messages("playback") if media_id in json.dumps(m)
    ]
    return message["data"]


def decode_findings(verdict: dict) -> list[tuple[str, str, str]]:
    """The decode step's findings in a verdict (it carries what did not pass): rule, rendition, message."""
    rules = {str(f.alias) for f in DecodeChecks.model_fields.values()} | {"decode-incomplete"}
    found = [f for f in verdict["findings"] if f["rule"] in rules]
    return [(f["rule"], f["subject"].split(" http")[0], f["message"]) for f in found]


def runs_recorded(monkeypatch, barrier: threading.Barrier | None) -> list[str]:
    """ffmpeg's runs in the decode engine, each recorded as 'start' and 'end'; with ``barrier``, each
    run waits there before and after ffmpeg (two runs pass only when both are in flight)."""
    events: list[str] = []

    def run(argv, timeout_s, env=None, **kwargs):
        events.append("start")
        if barrier is not None:
            barrier.wait()
        try:
            return REAL_RUN(argv, timeout_s, env=env, **kwargs)
        finally:
            events.append("end")
            if barrier is not None:
                barrier.wait()

    monkeypatch.setattr(engine, "run", run)
    return events


@pytest.fixture
def two_cores_two_gigabytes(monkeypatch):
    """A function with 2 cores and FC's 2048 MB, whatever machine runs the test."""
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.setattr(parallel, "own_mib", lambda: 100)
    monkeypatch.setenv("FC_FUNCTION_MEMORY_SIZE", "2048")


def black_and_clean(server) -> list[dict]:
    return [
        rendition(server.url("black_start.mp4"), "HD", (320, 240), 400, "mp4"),
        rendition(server.url("clean.mp4"), "LD", (320, 240), 200, "mp4"),
    ]


def test_two_rungs_decoded_side_by_side_give_the_verdict_and_the_log_of_one_after_another(
    make_world, signed_server, monkeypatch, capfd, two_cores_two_gigabytes
):
    serial = make_world(probe="decode", probe_allow_hosts="127.0.0.1", decode_parallel=1, log_level="debug")
    add_media(serial, "media-serial", black_and_clean(signed_server))
    events = runs_recorded(monkeypatch, barrier=None)
    capfd.readouterr()
    serial.send(json.dumps(callback("TranscodeComplete", "job-serial", "media-serial")))
    serial_log = window_lines(capfd.readouterr().out, "serial")
    assert events == ["start", "end", "start", "end"]  # one after another: the cap of 1

    both = make_world(probe="decode", probe_allow_hosts="127.0.0.1", decode_parallel=2, log_level="debug")
    add_media(both, "media-both", black_and_clean(signed_server))
    events = runs_recorded(monkeypatch, threading.Barrier(2, timeout=BARRIER_TIMEOUT_S))
    both.send(json.dumps(callback("TranscodeComplete", "job-both", "media-both")))
    both_log = window_lines(capfd.readouterr().out, "both")
    assert events[:2] == ["start", "start"]  # both in flight: the barrier let them through

    one, two = verdict(serial, "media-serial"), verdict(both, "media-both")
    assert one["reason"] == two["reason"] == "qc_failed"
    assert two["findings"] == one["findings"]  # the same findings, in the same order
    assert two["report_markdown"] == one["report_markdown"].replace("media-serial", "media-both")
    assert [(rule, subject) for rule, subject, _ in decode_findings(two)] == [
        ("video-black", "rendition[0] HD mp4")
    ]
    assert AUTH_KEY not in json.dumps(two)
    # the same per-window lines but for timing, each in the invocation's log context (its job and media)
    assert len(both_log) == 2 and sorted(both_log) == sorted(serial_log)


def window_lines(out: str, name: str) -> list[str]:
    """The ``decode window`` log lines without their timing, the invocation's ids made alike."""
    lines = [json.loads(line) for line in out.splitlines() if '"decode window"' in line]
    for line in lines:
        assert (line["job_id"], line["media_id"]) == (f"job-{name}", f"media-{name}"), line
        del line["wall_s"], line["timestamp"], line["job_id"], line["media_id"]
    return [json.dumps(line, sort_keys=True) for line in lines]


def test_a_refusal_is_named_on_the_rendition_whose_ffmpeg_asked_while_the_other_decodes_cleanly(
    make_world, stream_server, monkeypatch, two_cores_two_gigabytes
):
    canary = Listener(FORBIDDEN)
    try:
        stream_server.virtual["/bad/index.m3u8"] = (
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            f"#EXTINF:2,\nhttp://{canary.address()}/seg.ts\n#EXT-X-ENDLIST\n"
        ).encode()
        world = make_world(probe="decode", probe_allow_hosts="127.0.0.1", decode_parallel=2)
        add_media(world, "media-refused", [
            rendition(stream_server.url("/hls/v0/index.m3u8"), "HD", (320, 180), 300, "m3u8"),
            rendition(stream_server.url("/bad/index.m3u8"), "LD", (160, 90), 100, "m3u8"),
        ])  # fmt: skip
        events = runs_recorded(monkeypatch, threading.Barrier(2, timeout=BARRIER_TIMEOUT_S))
        world.send(json.dumps(callback("TranscodeComplete", "job-refused", "media-refused")))
        assert canary.reached() == []
    finally:
        canary.close()
    assert events == ["start", "start", "end", "end"]  # the refusal came while the other was decoding
    decoded = decode_findings(verdict(world, "media-refused"))
    assert [(rule, subject) for rule, subject, _ in decoded] == [("decode-clean", "rendition[1] LD m3u8")]
    assert f"refused {FORBIDDEN}" in decoded[0][2]  # named on its own rendition, not on the other


def test_a_rendition_that_cannot_be_read_leaves_the_others_findings_whole(
    make_world, signed_server, media, monkeypatch, two_cores_two_gigabytes
):
    world = make_world(probe="decode", probe_allow_hosts="127.0.0.1", decode_parallel=2)
    add_media(world, "media-missing", [
        rendition(signed_server.url("black_start.mp4"), "HD", (320, 240), 400, "mp4"),
        rendition(signed_server.url("no-such-file.mp4"), "LD", (320, 240), 200, "mp4"),
    ])  # fmt: skip
    events = runs_recorded(monkeypatch, threading.Barrier(2, timeout=BARRIER_TIMEOUT_S))
    world.send(json.dumps(callback("TranscodeComplete", "job-missing", "media-missing")))
    assert events[:2] == ["start", "start"]
    decoded = [(rule, subject) for rule, subject, _ in decode_findings(verdict(world, "media-missing"))]
    assert sorted(decoded) == [
        ("decode-clean", "rendition[1] LD mp4"),
        ("video-black", "rendition[0] HD mp4"),
    ]


@pytest.mark.parametrize(
    ("wanted", "cap", "cores", "memory", "own", "expected"),
    [
        (2, None, 2, 512, 100, 1),  # the deployed 512 MB: one 448 MiB ffmpeg beside the function
        (2, None, 2, 1024, 100, 2),
        (2, None, 2, 1024, 200, 1),  # a function grown past 128 MiB leaves room for one
        (2, None, 1, 4096, 100, 1),  # one core
        (4, None, 8, 4096, 100, 4),
        (8, None, 4, 4096, 100, 4),  # no more than the cores
        (2, 1, 8, 4096, 100, 1),  # the cap of 1: one after another
        (4, 3, 8, 4096, 100, 3),
        (2, None, 2, None, 100, 1),  # memory unknown: one at a time
        (1, None, 8, 4096, 100, 1),
    ],
)
def test_the_count_follows_the_cores_the_memory_and_the_cap(wanted, cap, cores, memory, own, expected):
    assert at_once(wanted, cap, cores=cores, memory=memory, own=own) == expected
    assert FFMPEG_MIB == 448


def test_the_functions_memory_is_fcs_setting_else_the_machines():
    assert memory_mib({"FC_FUNCTION_MEMORY_SIZE": "1024"}) == 1024
    machine = memory_mib({})
    assert machine is not None and machine > 0
    assert memory_mib({"FC_FUNCTION_MEMORY_SIZE": "lots"}) == machine


def test_a_512_mb_function_decodes_one_at_a_time_however_many_cores(monkeypatch):
    monkeypatch.setattr(parallel, "usable_cores", lambda: 16)
    monkeypatch.setattr(parallel, "own_mib", lambda: 100)  # the function itself, whatever ran before
    monkeypatch.setenv("FC_FUNCTION_MEMORY_SIZE", "512")
    with decode_workers(4, None) as workers:
        assert workers == 1
    monkeypatch.setenv("FC_FUNCTION_MEMORY_SIZE", "4096")
    with decode_workers(4, None) as workers:
        assert workers == 4
    with decode_workers(4, 2) as workers:
        assert workers == 2


def test_decodes_running_at_once_in_one_process_share_its_cores_and_memory(monkeypatch):
    """The reconciler gates several jobs at once: each decode gets what the others left, and one."""
    monkeypatch.setattr(parallel, "usable_cores", lambda: 4)
    monkeypatch.setattr(parallel, "own_mib", lambda: 100)
    monkeypatch.setenv("FC_FUNCTION_MEMORY_SIZE", "4096")
    with (
        decode_workers(2, None) as first,
        decode_workers(4, None) as second,
        decode_workers(4, None) as third,
    ):
        assert (first, second, third) == (2, 2, 1)
    with decode_workers(4, None) as alone:
        assert alone == 4
    monkeypatch.setenv("FC_FUNCTION_MEMORY_SIZE", "1024")  # room for two ffmpegs beside the function
    with decode_workers(2, None) as first, decode_workers(2, None) as second:
        assert (first, second) == (2, 1)


def test_the_setting_is_known_and_a_count_below_one_is_refused(monkeypatch):
    monkeypatch.setenv("PLAYGATE_DECODE_PARALLEL", "2")
    assert Settings().decode_parallel == 2
    assert unknown_variables({"PLAYGATE_DECODE_PARALLEL": "2"}) == []
    monkeypatch.setenv("PLAYGATE_DECODE_PARALLEL", "0")
    with pytest.raises(ConfigError, match=r"PLAYGATE_DECODE_PARALLEL=.*greater than or equal to 1"):
        load_settings()
