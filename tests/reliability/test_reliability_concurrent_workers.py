"""Four FC instances (processes) receive the same 60 events at the same time: each job publishes once."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter
from typing import Any

from reliability_workers import Workers, deliver_all

from gate_world import local_settings
from playgate.testing import IceEmulator, sample_catalog_path
from playgate.testing.sample_events import callback, mns_cloudevent, mns_topic_json

WORKERS = 4
EVENTS = 60
MAX_ATTEMPTS = 6
CATALOG_MEDIA = tuple(IceEmulator().load_catalog(sample_catalog_path()).media_ids)


def envelope(body: dict[str, Any], kind: int, tag: str) -> Any:
    """The same ICE message in one of the trigger formats FC hands over."""
    text = json.dumps(body)
    return [
        lambda: text.encode(),
        lambda: body,
        lambda: mns_cloudevent(text, f"m-{tag}"),
        lambda: mns_cloudevent(base64.b64encode(text.encode()).decode(), f"m64-{tag}"),
        lambda: [mns_cloudevent(text, f"mb-{tag}")],
        lambda: mns_topic_json(text, f"t-{tag}"),
        lambda: {"body": text, "attrs": {"k": "v"}},
    ][kind % 7]()


def outcome_lines(folder) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for name in ("playback.jsonl", "alerts.jsonl"):
        path = folder / name
        if path.exists():
            lines += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return lines


def test_workers_receiving_the_same_events_at_once_publish_each_job_exactly_once(
    emulator_server, store_url, tmp_path
):
    settings = local_settings(emulator_server.url, tmp_path, store=store_url, log_level="error")
    rng = random.Random(6)
    jobs = {f"job-concurrent-{i:03d}": CATALOG_MEDIA[i % len(CATALOG_MEDIA)] for i in range(EVENTS)}
    tasks = []
    for worker in range(WORKERS):
        order = list(jobs)
        rng.shuffle(order)
        for job in order:
            body = callback("MediaConvertComplete", job, jobs[job])
            tasks.append(((worker, job), worker, envelope(body, rng.randrange(7), f"{worker}-{job}")))

    with Workers(settings, WORKERS) as workers:
        deliveries = deliver_all(workers, tasks, max_attempts=MAX_ATTEMPTS)

    assert [d.raised for d in deliveries if d.raised] == []
    final: dict[tuple[int, str], str] = {}
    for d in sorted(deliveries, key=lambda d: d.attempt):
        [result] = d.results
        assert result["job_id"] == d.task[1]
        if result["status"] == "retry":
            assert result["reason"] == "in_progress_elsewhere", result
        else:
            assert result["status"] in {"published", "duplicate"}, result
        final[d.task] = result["status"]
    assert len(final) == WORKERS * EVENTS
    assert "retry" not in final.values(), "a redelivered in-progress event must end duplicate or published"

    published = Counter(job for (_worker, job), status in final.items() if status == "published")
    assert published == Counter(set(jobs)), "exactly one worker publishes each job"
    lines = outcome_lines(tmp_path)
    per_job = Counter(line["data"]["job_id"] for line in lines)
    assert per_job == Counter(set(jobs)), "each job id appears once in the sinks, none missing"
    assert len({line["id"] for line in lines}) == EVENTS
    dead_letters = tmp_path / "dead-letters.jsonl"  # opened (so created) at startup, when sinks are checked
    assert not dead_letters.exists() or dead_letters.read_bytes() == b""
