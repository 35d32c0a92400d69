"""The reconciler: every finished media-information job checked exactly once, however it is swept."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from playgate import cli
from playgate.reconcile import WATERMARK_KEY, RateLimiter, sweep

DAY = (datetime(2024, 5, 1, tzinfo=timezone.utc), datetime(2024, 5, 2, tzinfo=timezone.utc))
T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def make_job(n: int, created: datetime, *, status: str = "Success") -> dict:
    job = {
        "JobId": f"job-{n:05d}",
        "Status": status,
        "Input": {"Type": "OSS", "Media": f"oss://bucket/in/{n}.mp4"},
        "SubmitTime": iso(created),
        "MediaInfoProperty": {
            "FileBasicInfo": {
                "FileName": f"{n}.mp4",
                "FileStatus": "Normal",
                "FileType": "source_file",
                "FileSize": "1000000",
                "FormatName": "mov,mp4",
                "Duration": "60.0",
                "Bitrate": "1000",
                "Width": "1280",
                "Height": "720",
            },
            "VideoStreamInfoList": [
                {
                    "Index": "0",
                    "Codec_name": "h264",
                    "Width": "1280",
                    "Height": "720",
                    "Fps": "25.0",
                    "Avg_fps": "25.0",
                    "Duration": "60.0",
                    "Bit_rate": "900",
                }
            ],
            "AudioStreamInfoList": [
                {
                    "Index": "1",
                    "CodecName": "aac",
                    "SampleRate": "44100",
                    "Channels": "2",
                    "Duration": "60.0",
                    "Bitrate": "128",
                }
            ],
        },
    }
    if status != "Init":
        job["FinishTime"] = iso(created + timedelta(seconds=30))
    return job


def published_job_ids(world) -> Counter:
    messages = world.messages("playback") + world.messages("alerts")
    return Counter(m["data"]["job_id"] for m in messages)


def job_ids(jsonl: Path) -> list[str]:
    return [json.loads(line)["data"]["job_id"] for line in jsonl.read_text().splitlines()]


def catalog_jobs(emulator, start: datetime, end: datetime) -> tuple[list[str], list[str]]:
    """(finished, running) job ids of the emulator's catalog in a sweep window (inclusive at both ends)."""
    window = [
        job
        for job in emulator.jobs
        if start <= datetime.fromisoformat(job["SubmitTime"].replace("Z", "+00:00")) <= end
    ]
    finished = [job["JobId"] for job in window if job["Status"] != "Init"]
    return finished, [job["JobId"] for job in window if job["Status"] == "Init"]


@pytest.fixture
def empty_world(make_world):
    world = make_world(reconcile_initial_lookback_s=24 * 3600)
    world.emulator.reset()
    return world


def test_a_sweep_gates_every_finished_catalog_job_once_and_a_second_sweep_publishes_nothing(world):
    finished, running = catalog_jobs(world.emulator, *DAY)
    assert finished and running, "the sample catalog has finished and still-running jobs in the window"
    first = sweep(world.runtime, start=DAY[0], end=DAY[1])
    second = sweep(world.runtime, start=DAY[0], end=DAY[1])

    assert (first.jobs_seen, first.pending) == (len(finished) + len(running), len(running))
    assert first.published == len(finished) and first.duplicates == 0
    assert (second.published, second.duplicates) == (0, len(finished))
    assert published_job_ids(world) == Counter(finished)


def test_failed_jobs_alert_job_failed_and_media_assets_also_get_playback_ready(world):
    sweep(world.runtime, start=DAY[0], end=DAY[1])

    alerts = {m["data"]["job_id"]: m["data"] for m in world.messages("alerts")}
    playback = {m["data"]["job_id"]: m for m in world.messages("playback")}
    assert alerts["5a3b0003000000000000000000000003"]["reason"] == "job_failed"
    assert playback["5a3b0000000000000000000000000000"]["type"] == "playgate.playback.ready"
    assert playback["5a3b0001000000000000000000000001"]["type"] == "playgate.qc.passed"


def test_every_page_is_walked_and_windows_that_cut_pages_still_check_each_job_once(empty_world):
    world = empty_world
    for n in range(250):
        world.emulator.add_job(make_job(n, T0 + timedelta(seconds=n)))
    cut = T0 + timedelta(seconds=137)  # inside the second page of 100

    left = sweep(world.runtime, start=T0, end=cut, page_size=100)
    right = sweep(world.runtime, start=cut, end=T0 + timedelta(hours=1), page_size=100)

    assert left.jobs_seen + right.jobs_seen >= 250
    counts = published_job_ids(world)
    assert len(counts) == 250 and set(counts.values()) == {1}
    assert len(world.emulator.calls_to("ListMediaInfoJobs")) >= 4  # 2 pages + 2 pages (+ empty tails)


def test_the_watermark_moves_past_handled_jobs_only_and_stops_at_one_still_running(empty_world):
    world = empty_world
    world.emulator.add_job(make_job(1, T0 + timedelta(minutes=1)))
    world.emulator.add_job(make_job(2, T0 + timedelta(minutes=2), status="Init"))
    world.emulator.add_job(make_job(3, T0 + timedelta(minutes=3)))
    now = T0 + timedelta(hours=1)

    result = sweep(world.runtime, now=now)

    assert result.watermark == iso(T0 + timedelta(minutes=1))
    assert world.runtime.gate.store.get_value(WATERMARK_KEY) == iso(T0 + timedelta(minutes=1))
    assert published_job_ids(world) == Counter({"job-00001": 1, "job-00003": 1})

    world.emulator.reset()  # job 2 finishes
    for n, status in ((1, "Success"), (2, "Success"), (3, "Success")):
        world.emulator.add_job(make_job(n, T0 + timedelta(minutes=n), status=status))
    later = sweep(world.runtime, now=now + timedelta(minutes=5))
    assert later.published == 1 and later.duplicates == 2
    assert set(published_job_ids(world).values()) == {1}
    assert later.watermark == iso(
        now + timedelta(minutes=5) - timedelta(seconds=world.runtime.settings.reconcile_settle_s)
    )


def test_a_job_created_during_a_sweep_is_picked_up_by_the_next_one(empty_world):
    world = empty_world
    for n in range(5):
        world.emulator.add_job(make_job(n, T0 + timedelta(minutes=n)))
    gate = world.runtime.gate
    original = gate.process
    now = T0 + timedelta(hours=1)

    def process_and_meanwhile_a_job_is_created(event, deadline=None):
        if event.job_id == "job-00002":
            world.emulator.add_job(make_job(99, now - timedelta(seconds=5)))  # inside the settle delay
        return original(event, deadline=deadline)

    gate.process = process_and_meanwhile_a_job_is_created
    first = sweep(world.runtime, now=now)
    gate.process = original
    second = sweep(world.runtime, now=now + timedelta(minutes=5))

    assert first.published == 5
    assert second.published == 1
    assert published_job_ids(world)["job-00099"] == 1


def test_a_crash_half_way_then_a_rerun_publishes_each_job_exactly_once(empty_world):
    world = empty_world
    for n in range(40):
        world.emulator.add_job(make_job(n, T0 + timedelta(minutes=n)))
    gate = world.runtime.gate
    original = gate.process
    seen: list[str] = []

    def crashing(event, deadline=None):
        seen.append(event.job_id)
        if len(seen) == 25:
            raise SystemExit("the instance died")
        return original(event, deadline=deadline)

    gate.process = crashing
    with pytest.raises(SystemExit):
        sweep(world.runtime, now=T0 + timedelta(hours=2), page_size=10)
    gate.process = original
    rerun = sweep(world.runtime, now=T0 + timedelta(hours=2), page_size=10)

    counts = published_job_ids(world)
    assert len(counts) == 40 and set(counts.values()) == {1}
    assert rerun.duplicates >= 1  # the rerun met jobs the crashed sweep had published


def test_a_sweep_stops_before_the_deadline_with_the_watermark_where_it_got_to(empty_world):
    world = empty_world
    for n in range(30):
        world.emulator.add_job(make_job(n, T0 + timedelta(minutes=n)))
    # ice_deadline_s is the reserve kept for one more page: a deadline inside it stops at once
    deadline = time.monotonic() + world.runtime.settings.ice_deadline_s - 0.5
    stopped = sweep(world.runtime, now=T0 + timedelta(hours=1), deadline=deadline, page_size=10)
    carried_on = sweep(world.runtime, now=T0 + timedelta(hours=1), page_size=10)

    assert stopped.stopped_early is True
    assert stopped.published == 0
    assert carried_on.published == 30


def test_a_dry_run_publishes_nothing_and_leaves_the_watermark(empty_world):
    world = empty_world
    world.emulator.add_job(make_job(1, T0 + timedelta(minutes=1)))
    result = sweep(world.runtime, now=T0 + timedelta(hours=1), dry_run=True)

    assert result.published == 0 and result.would_gate == 1 and result.dry_run is True
    assert published_job_ids(world) == Counter()
    assert world.runtime.gate.store.get_value(WATERMARK_KEY) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_rate_limiter_spaces_acquisitions_to_the_ceiling():
    clock = FakeClock()
    limiter = RateLimiter(50.0, clock=clock, sleep=clock.sleep)
    for _ in range(11):
        limiter.acquire()
    assert clock.now == pytest.approx(100.0 + 10 / 50)
    assert clock.slept == [pytest.approx(0.02)] * 10


def test_the_reconcile_command_backfills_a_window_and_prints_the_summary(
    function_env, emulator_server, capsys
):
    finished, _ = catalog_jobs(emulator_server.emulator, *DAY)
    failed = {job["JobId"] for job in emulator_server.emulator.jobs if job["Status"] == "Fail"}
    code = cli.main(["reconcile", "--from", "2024-05-01T00:00:00Z", "--to", "2024-05-02T00:00:00Z"])

    assert code == 0
    out = capsys.readouterr().out
    assert f'"published": {len(finished)}' in out
    playback, alerts = (job_ids(function_env / f"{sink}.jsonl") for sink in ("playback", "alerts"))
    assert Counter(playback + alerts) == Counter(finished), "each finished job once: ready or alerted"
    assert failed and failed <= set(alerts), "a failed job is an alert, never playback"


def test_the_reconcile_command_rejects_an_empty_window(capsys):
    code = cli.main(["reconcile", "--from", "2024-05-02T00:00:00Z", "--to", "2024-05-01T00:00:00Z"])
    assert code == 2
    assert "--from must be before --to" in capsys.readouterr().err


def test_every_ice_call_of_a_sweep_passes_through_the_rate_limiter(make_world, monkeypatch):
    acquired: list[int] = []

    class CountingLimiter(RateLimiter):
        def acquire(self) -> None:
            acquired.append(1)
            super().acquire()

    monkeypatch.setattr("playgate.reconcile.RateLimiter", CountingLimiter)
    world = make_world(reconcile_max_qps=1000.0, reconcile_initial_lookback_s=24 * 3600)
    world.emulator.reset()
    for n in range(6):
        job = make_job(n, T0 + timedelta(minutes=n))
        job["Input"] = {"Type": "Media", "Media": "media-ladder-ok"}  # one GetPlayInfo per job
        world.emulator.add_job(job)
    result = sweep(world.runtime, now=T0 + timedelta(hours=1), page_size=2)

    assert result.published == 6
    assert len(world.emulator.calls) >= 6 + 3  # GetPlayInfo per job, and the pages
    assert len(acquired) == len(world.emulator.calls) == result.ice_calls


def test_a_media_info_job_on_a_media_without_renditions_is_checked_from_its_job(world):
    sweep(world.runtime, start=DAY[0], end=DAY[1])

    [message] = [
        m
        for m in world.messages("playback") + world.messages("alerts")
        if m["data"]["job_id"] == "5a3b0009000000000000000000000009"  # Input: media-oss-only, no play info
    ]
    assert message["type"] == "playgate.qc.passed", message["data"]
